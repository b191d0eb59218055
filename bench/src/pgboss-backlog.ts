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
 * BENCH_LOG=1 prints the adapter's warnings and errors.
 */
import { randomBytes } from 'node:crypto';
import * as pgbossModule from '@switchyard/adapter-pgboss';
import {
  type Consumer,
  type Lease,
  type Logger,
  type QueueAdapter,
  silentLogger,
  systemClock,
} from '@switchyard/core';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { noopJob } from './adapter-measure.ts';
import { timeProcessing } from './measure.ts';
import { percentile } from './stats.ts';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 10_000);
const WINDOW = Math.min(BACKLOG, Number(process.env.BENCH_WINDOW ?? 10_000));
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const ENQUEUE_SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const INSERT_BATCH = 5000;
const LEASE_MS = 60_000;
const POLL_MS = 2;

const { pgBossAdapter } = (
  process.env.BENCH_ADAPTER_MODULE ? await import(process.env.BENCH_ADAPTER_MODULE) : pgbossModule
) as typeof pgbossModule;
const logger: Logger = process.env.BENCH_LOG
  ? {
      ...silentLogger,
      warn: (fields: unknown, message?: string) => console.error('WARN', message, fields),
      error: (fields: unknown, message?: string) => console.error('ERROR', message, fields),
    }
  : silentLogger;
const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });

function freshSchema(kind: string): string {
  return `bench_${kind}_${randomBytes(3).toString('hex')}`;
}

interface Row {
  system: string;
  processPerSec: number;
  enqueueP50: number;
  enqueueP99: number;
  note: string;
}

/** Enqueues `count` jobs in batches through `enqueueBatch`. */
async function fill(count: number, enqueueBatch: (count: number) => Promise<unknown>): Promise<void> {
  for (let done = 0; done < count; done += INSERT_BATCH)
    await enqueueBatch(Math.min(INSERT_BATCH, count - done));
}

/** Single-job enqueue latency, p50 / p99 in ms. */
async function enqueueLatency(enqueueOne: () => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < ENQUEUE_SAMPLES + 10; i++) {
    const started = performance.now();
    await enqueueOne();
    if (i >= 10) times.push(performance.now() - started);
  }
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

async function benchAdapter(): Promise<Row> {
  const schema = freshSchema('bl');
  const adapter: QueueAdapter = pgBossAdapter({ connectionString: DATABASE_URL, schema });
  await adapter.start({
    logger,
    clock: systemClock,
    retention: {},
  });
  try {
    await fill(BACKLOG, (count) => adapter.enqueue(Array.from({ length: count }, () => noopJob('bulk'))));
    const latency = await enqueueLatency(() => adapter.enqueue([noopJob('probe')]));
    let completed = 0;
    let consumer: Consumer | undefined;
    const processPerSec = await timeProcessing(
      WINDOW,
      () => completed,
      () => {
        consumer = adapter.consume(
          ['bulk'],
          { concurrency: CONCURRENCY, leaseDurationMs: LEASE_MS },
          async (lease: Lease) => {
            await lease.complete(undefined);
            completed++;
          },
        );
      },
      POLL_MS,
    );
    await consumer?.stop();
    return {
      system: `switchyard, ${BACKLOG} queued`,
      processPerSec,
      enqueueP50: latency.p50,
      enqueueP99: latency.p99,
      note: `concurrency ${CONCURRENCY}; ${WINDOW} of ${BACKLOG} queued processed`,
    };
  } finally {
    await adapter.close();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  }
}

/** Raw pg-boss with the same jobs in flight: two workers of batches of CONCURRENCY / 2, bursting while full. */
async function benchPgBoss(): Promise<Row> {
  const schema = freshSchema('blpgb');
  const boss = new PgBoss({ connectionString: DATABASE_URL, schema, supervise: false, schedule: false });
  boss.on('error', (error) => console.error('pg-boss error', error));
  await boss.start();
  try {
    await boss.createQueue('bulk');
    await boss.createQueue('probe');
    await fill(BACKLOG, (count) =>
      boss.insert(
        'bulk',
        Array.from({ length: count }, () => ({ data: {} })),
      ),
    );
    const latency = await enqueueLatency(() => boss.send('probe', {}));
    let completed = 0;
    const batchSize = Math.max(1, Math.min(50, Math.round(CONCURRENCY / 2)));
    const processPerSec = await timeProcessing(
      WINDOW,
      () => completed,
      () =>
        boss.work(
          'bulk',
          { batchSize, burstWhenBatchFull: true, pollingIntervalSeconds: 0.5, localConcurrency: 2 },
          async (jobs) => {
            completed += jobs.length;
          },
        ),
      POLL_MS,
    );
    await boss.offWork('bulk');
    return {
      system: `raw pg-boss, ${BACKLOG} queued`,
      processPerSec,
      enqueueP50: latency.p50,
      enqueueP99: latency.p99,
      note: `work(): batchSize ${batchSize} × 2 workers, burstWhenBatchFull; ${WINDOW} of ${BACKLOG} queued processed`,
    };
  } finally {
    await boss.stop({ graceful: false });
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  }
}

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY?.split(',');
  const want = (name: string) => !only || only.includes(name);
  const rows: Row[] = [];
  try {
    if (want('adapter')) rows.push(await benchAdapter());
    if (want('pgboss')) rows.push(await benchPgBoss());
  } finally {
    await admin.end();
  }
  const fmt = (value: number, digits = 0) => value.toFixed(digits);
  console.log(`\nPostgreSQL backlog, ${BACKLOG} queued, ${WINDOW} processed (${new Date().toISOString()})\n`);
  console.log('| system | processing jobs/s | enqueue p50 ms | enqueue p99 ms | notes |');
  console.log('|---|---:|---:|---:|---|');
  for (const row of rows)
    console.log(
      `| ${row.system} | ${fmt(row.processPerSec)} | ${fmt(row.enqueueP50, 2)} | ${fmt(row.enqueueP99, 2)} | ${row.note} |`,
    );
}

await main();
