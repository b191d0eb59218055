import { pgBossAdapter } from '@switchyard/adapter-pgboss';
import { newJobId, silentLogger, systemClock } from '@switchyard/core';
import pg from 'pg';
const url = 'postgres://postgres@127.0.0.1:5432/postgres';
const a = pgBossAdapter({ connectionString: url, schema: 'probe_lat' });
await a.start({ logger: silentLogger, clock: systemClock, retention: {} });
const job = () => { const now = new Date(); return { id: newJobId(), task: 'noop', queue: 'idle', payload: {}, priority: 5, createdAt: now, runAt: now, maxAttempts: 3, metadata: {} }; };
const listen = new pg.Client({ connectionString: url }); await listen.connect();
const { channelFor } = await import('@switchyard/adapter-pgboss');
await listen.query(`LISTEN ${channelFor('probe_lat')}`);
let tn = 0; listen.on('notification', () => { tn = performance.now(); });
let tl = 0; let seen = 0;
const c = a.consume(['idle'], { concurrency: 1, leaseDurationMs: 30000 }, async (lease) => { tl = performance.now(); seen++; await lease.complete(undefined); });
await new Promise((r) => setTimeout(r, 200));
const rows: number[][] = [];
for (let i = 0; i < 30; i++) {
  const t0 = performance.now();
  await a.enqueue([job()]);
  const te = performance.now();
  while (seen <= i) await new Promise((r) => setImmediate(r));
  rows.push([te - t0, tn - t0, tl - t0]);
  await new Promise((r) => setTimeout(r, 20));
}
const med = (k: number) => rows.map((r) => r[k]!).sort((x, y) => x - y)[15]!.toFixed(1);
console.log(`median: enqueue returned ${med(0)} ms, notification ${med(1)} ms, onLease ${med(2)} ms`);
await c.stop(); await a.close(); await listen.end();
const p = new pg.Pool({ connectionString: url }); await p.query('DROP SCHEMA probe_lat CASCADE'); await p.end();
