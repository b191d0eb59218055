import { pgBossAdapter } from '@switchyard/adapter-pgboss';
import { newJobId, silentLogger, systemClock } from '@switchyard/core';
import pg from 'pg';
const url = 'postgres://postgres@127.0.0.1:5432/postgres';
const a = pgBossAdapter({ connectionString: url, schema: 'probe_sy' });
await a.start({ logger: silentLogger, clock: systemClock, retention: {} });
const p = new pg.Pool({ connectionString: url });
const job = () => { const now = new Date(); return { id: newJobId(), task: 'noop', queue: 'bulk', payload: {}, priority: 5, createdAt: now, runAt: now, maxAttempts: 3, metadata: {} }; };
const measure = async (label: string) => { const ts: number[] = []; for (let r = 0; r < 4; r++) { const t = performance.now(); await a.enqueue(Array.from({ length: 1000 }, job)); ts.push(performance.now() - t); } ts.sort((x, y) => x - y); console.log(label, ts.map((x) => x.toFixed(0)).join(' ')); };
await measure('all indexes');
for (const idx of ['switchyard_job_id', 'switchyard_job_state_id', 'switchyard_job_task_id', 'switchyard_job_fetch', 'job_i15', 'job_i14', 'job_i11']) {
  await p.query(`DROP INDEX probe_sy.${idx}`);
  await measure(`without ${idx} (cumulative)`);
}
await a.close();
await p.query('DROP SCHEMA probe_sy CASCADE'); await p.end();
