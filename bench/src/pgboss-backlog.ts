/**
 * Processing rate with a backlog in place (issue 22): N no-op jobs queued first, then one
 * worker at concurrency BENCH_CONCURRENCY processes BENCH_WINDOW of them; the rate is
 * window ÷ time. Before the worker starts, enqueue latency of single jobs (another queue,
 * same table and indexes) is sampled with the backlog in place.
 *
 *   node bench/src/pgboss-backlog.ts   (BENCH_BACKLOG=100000 BENCH_WINDOW=10000 BENCH_ONLY=adapter|pgboss)
 *
 * Needs built dist: `pnpm --filter @switchyard/adapter-pgboss... build`. Prints one table row per
 * system ("switchyard, <backlog> queued", "raw pg-boss, <backlog> queued").
 *
 * BENCH_ADAPTER_MODULE=<path to another build's dist/index.js> measures that build instead (a copy of
 * the previous dist kept inside packages/adapter-pgboss/, so its imports resolve), for before/after runs.
 */
import { randomBytes } from 'node:crypto';
import * as pgbossModule from '@switchyard/adapter-pgboss';
import type { QueueAdapter } from '@switchyard/core';
import { DATABASE_URL } from '@switchyard/test-services';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import {
  adapterBacklogRow,
  type BacklogRow,
  CONCURRENCY,
  measureBacklog,
  printBacklogTable,
  wanted,
} from './backlog-measure.ts';

const { pgBossAdapter } = (
  process.env.BENCH_ADAPTER_MODULE ? await import(process.env.BENCH_ADAPTER_MODULE) : pgbossModule
) as typeof pgbossModule;
const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });

function freshSchema(kind: string): string {
  return `bench_${kind}_${randomBytes(3).toString('hex')}`;
}

async function benchAdapter(): Promise<BacklogRow> {
  const schema = freshSchema('bl');
  const adapter: QueueAdapter = pgBossAdapter({ connectionString: DATABASE_URL, schema });
  try {
    return await adapterBacklogRow(adapter);
  } finally {
    await adapter.close();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  }
}

/** Raw pg-boss with the same jobs in flight: two workers of batches of CONCURRENCY / 2, bursting while full. */
async function benchPgBoss(): Promise<BacklogRow> {
  const schema = freshSchema('blpgb');
  const boss = new PgBoss({ connectionString: DATABASE_URL, schema, supervise: false, schedule: false });
  boss.on('error', (error) => console.error('pg-boss error', error));
  await boss.start();
  try {
    await boss.createQueue('bulk');
    await boss.createQueue('probe');
    const batchSize = Math.max(1, Math.min(50, Math.round(CONCURRENCY / 2)));
    return await measureBacklog({
      system: 'raw pg-boss',
      note: `work(): batchSize ${batchSize} × 2 workers, burstWhenBatchFull`,
      enqueueBatch: (count) =>
        boss.insert(
          'bulk',
          Array.from({ length: count }, () => ({ data: {} })),
        ),
      enqueueOne: () => boss.send('probe', {}),
      startConsumer: (finished) =>
        boss.work(
          'bulk',
          { batchSize, burstWhenBatchFull: true, pollingIntervalSeconds: 0.5, localConcurrency: 2 },
          async (jobs) => finished(jobs.length),
        ),
      stopConsumer: () => boss.offWork('bulk'),
    });
  } finally {
    await boss.stop({ graceful: false });
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  }
}

async function main(): Promise<void> {
  const rows: BacklogRow[] = [];
  try {
    if (wanted('adapter')) rows.push(await benchAdapter());
    if (wanted('pgboss')) rows.push(await benchPgBoss());
  } finally {
    await admin.end();
  }
  printBacklogTable('PostgreSQL backlog', rows);
}

await main();
