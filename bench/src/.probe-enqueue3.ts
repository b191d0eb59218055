import { pgBossAdapter } from '@switchyard/adapter-pgboss';
import { newJobId, silentLogger, systemClock } from '@switchyard/core';
import { PgBoss } from 'pg-boss';
import pg from 'pg';
const url = 'postgres://postgres@127.0.0.1:5432/postgres';
const p = new pg.Pool({ connectionString: url });
const job = () => { const now = new Date(); return { id: newJobId(), task: 'noop', queue: 'bulk', payload: {}, priority: 5, createdAt: now, runAt: now, maxAttempts: 3, metadata: {} }; };
const drop = process.argv[2] ? process.argv[2].split(',') : [];
for (let trial = 0; trial < 3; trial++) {
  const a = pgBossAdapter({ connectionString: url, schema: 'probe_sy' });
  await a.start({ logger: silentLogger, clock: systemClock, retention: {} });
  for (const idx of drop) await p.query(`DROP INDEX probe_sy.${idx}`);
  await a.enqueue([job()]);
  const boss = new PgBoss({ connectionString: url, schema: 'probe_pgb', supervise: false, schedule: false });
  boss.on('error', console.error);
  await boss.start(); await boss.createQueue('bulk');
  let ta = 0, tb = 0;
  for (let r = 0; r < 3; r++) {
    let t = performance.now(); await a.enqueue(Array.from({ length: 1000 }, job)); ta += performance.now() - t;
    t = performance.now(); await boss.insert('bulk', Array.from({ length: 1000 }, () => ({ data: {} }))); tb += performance.now() - t;
  }
  console.log(`trial ${trial}: adapter ${ta.toFixed(0)} ms, pg-boss ${tb.toFixed(0)} ms, ratio(raw/adapter time) ${(tb / ta).toFixed(2)}`);
  await a.close(); await boss.stop({ graceful: false });
  await p.query('DROP SCHEMA probe_sy CASCADE; DROP SCHEMA probe_pgb CASCADE');
}
await p.end();
