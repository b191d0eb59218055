import { pgBossAdapter } from '@switchyard/adapter-pgboss';
import { newJobId, silentLogger, systemClock } from '@switchyard/core';
import { PgBoss } from 'pg-boss';
import pg from 'pg';
const url = 'postgres://postgres@127.0.0.1:5432/postgres';
const a = pgBossAdapter({ connectionString: url, schema: 'probe_sy' });
await a.start({ logger: silentLogger, clock: systemClock, retention: {} });
const boss = new PgBoss({ connectionString: url, schema: 'probe_pgb', supervise: false, schedule: false });
boss.on('error', console.error);
await boss.start(); await boss.createQueue('bulk');
const job = () => { const now = new Date(); return { id: newJobId(), task: 'noop', queue: 'bulk', payload: {}, priority: 5, createdAt: now, runAt: now, maxAttempts: 3, metadata: {} }; };
for (let r = 0; r < 5; r++) {
  let t = performance.now(); await a.enqueue(Array.from({ length: 1000 }, job)); const ta = performance.now() - t;
  t = performance.now(); await boss.insert('bulk', Array.from({ length: 1000 }, () => ({ data: {} }))); const tb = performance.now() - t;
  console.log(`adapter ${ta.toFixed(0)} ms, pg-boss ${tb.toFixed(0)} ms`);
}
await a.close(); await boss.stop({ graceful: false });
const p = new pg.Pool({ connectionString: url }); await p.query('DROP SCHEMA probe_sy CASCADE; DROP SCHEMA probe_pgb CASCADE'); await p.end();
