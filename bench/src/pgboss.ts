/**
 * PostgreSQL side-by-side: raw pg-boss 12, graphile-worker and the Switchyard
 * pg-boss adapter, on the same database in one run.
 *
 *   node bench/src/pgboss.ts            (BENCH_JOBS=3000 BENCH_SAMPLES=50 DATABASE_URL=...)
 *
 * Needs built dist: `pnpm --filter @switchyard/core --filter @switchyard/adapter-pgboss build`.
 * Measures: bulk enqueue (jobs/s), processing of no-op jobs (jobs/s, all jobs queued first),
 * idle enqueue-to-start latency (p50/p95 over BENCH_SAMPLES single jobs, worker idle),
 * and the pg-boss LISTEN/NOTIFY + batch worker stall.
 */
import { randomBytes } from 'node:crypto';
import { pgBossAdapter } from '@switchyard/adapter-pgboss';
import { type Lease, type NewJob, newJobId, silentLogger, systemClock } from '@switchyard/core';
import { Logger as GraphileLogger, makeWorkerUtils, run as runGraphile } from 'graphile-worker';
import pg from 'pg';
import { PgBoss } from 'pg-boss';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const JOBS = Number(process.env.BENCH_JOBS ?? 3000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 50);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);
// The bench runner (scenarios/pgboss.ts) alternates contenders itself, one per process: one round by default.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const INSERT_BATCH = 1000;

const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
const schemas: string[] = [];

function freshSchema(kind: string): string {
  const schema = `bench_${kind}_${randomBytes(3).toString('hex')}`;
  schemas.push(schema);
  return schema;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function until(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) return false;
    await sleep(2);
  }
  return true;
}

interface Row {
  system: string;
  enqueuePerSec?: number;
  processPerSec?: number;
  p50Ms?: number;
  p95Ms?: number;
  note?: string;
}
const rows: Row[] = [];

// ---------- Switchyard adapter ----------
function adapterJob(queue: string): NewJob {
  const now = new Date();
  return {
    id: newJobId(),
    task: 'noop',
    queue,
    payload: {},
    priority: 5,
    createdAt: now,
    runAt: now,
    maxAttempts: 3,
    metadata: {},
  };
}

async function benchAdapter(): Promise<void> {
  const adapter = pgBossAdapter({ connectionString: DATABASE_URL, schema: freshSchema('sy') });
  const started = performance.now();
  await adapter.start({ logger: silentLogger, clock: systemClock, retention: {} });
  const startMs = performance.now() - started;

  // Warm-up (plans, first pages) on a queue nobody consumes, so the timed batches measure steady state.
  await adapter.enqueue(Array.from({ length: 100 }, () => adapterJob('warmup')));
  const t0 = performance.now();
  for (let done = 0; done < JOBS; done += INSERT_BATCH) {
    await adapter.enqueue(
      Array.from({ length: Math.min(INSERT_BATCH, JOBS - done) }, () => adapterJob('bulk')),
    );
  }
  const enqueuePerSec = JOBS / ((performance.now() - t0) / 1000);

  let completed = 0;
  const t1 = performance.now();
  const consumer = adapter.consume(
    ['bulk'],
    { concurrency: CONCURRENCY, leaseDurationMs: 30_000 },
    async (lease: Lease) => {
      await lease.complete(undefined);
      completed++;
    },
  );
  await until(() => completed >= JOBS, 120_000);
  const processPerSec = JOBS / ((performance.now() - t1) / 1000);
  await consumer.stop();

  const latencies: number[] = [];
  let startedAt = 0;
  let seen = 0;
  const idle = adapter.consume(
    ['idle'],
    { concurrency: 1, leaseDurationMs: 30_000 },
    async (lease: Lease) => {
      latencies.push(performance.now() - startedAt);
      seen++;
      await lease.complete(undefined);
    },
  );
  await sleep(100);
  for (let i = 0; i < SAMPLES; i++) {
    startedAt = performance.now();
    await adapter.enqueue([adapterJob('idle')]);
    await until(() => seen > i, 5000);
    await sleep(20);
  }
  await idle.stop();
  await adapter.close();
  rows.push({
    system: 'switchyard pg-boss adapter',
    enqueuePerSec,
    processPerSec,
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    note: `start() ${startMs.toFixed(0)} ms on a new schema; concurrency ${CONCURRENCY}`,
  });
}

// ---------- raw pg-boss ----------
async function benchPgBoss(): Promise<void> {
  const schema = freshSchema('pgb');
  const boss = new PgBoss({
    connectionString: DATABASE_URL,
    schema,
    supervise: false,
    schedule: false,
    useListenNotify: true,
  });
  boss.on('error', (error) => console.error('pg-boss error', error));
  await boss.start();
  await boss.createQueue('bulk');
  await boss.createQueue('idle', { notify: true });
  await boss.createQueue('warmup');
  await boss.insert(
    'warmup',
    Array.from({ length: 100 }, () => ({ data: {} })),
  );

  const t0 = performance.now();
  for (let done = 0; done < JOBS; done += INSERT_BATCH) {
    await boss.insert(
      'bulk',
      Array.from({ length: Math.min(INSERT_BATCH, JOBS - done) }, () => ({ data: {} })),
    );
  }
  const enqueuePerSec = JOBS / ((performance.now() - t0) / 1000);

  let completed = 0;
  const t1 = performance.now();
  await boss.work(
    'bulk',
    { batchSize: 50, pollingIntervalSeconds: 0.5, localConcurrency: Math.max(1, CONCURRENCY / 10) },
    async (jobs) => {
      completed += jobs.length;
    },
  );
  await until(() => completed >= JOBS, 120_000);
  const processPerSec = JOBS / ((performance.now() - t1) / 1000);
  await boss.offWork('bulk');

  const latencies: number[] = [];
  let startedAt = 0;
  let seen = 0;
  await boss.work('idle', { pollingIntervalSeconds: 0.5 }, async () => {
    latencies.push(performance.now() - startedAt);
    seen++;
  });
  await sleep(200);
  for (let i = 0; i < SAMPLES; i++) {
    startedAt = performance.now();
    await boss.send('idle', {});
    await until(() => seen > i, 5000);
    await sleep(20);
  }
  await boss.stop({ graceful: false });
  rows.push({
    system: 'raw pg-boss 12',
    enqueuePerSec,
    processPerSec,
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    note: `work(): batchSize 50, poll 0.5 s, ${Math.max(1, CONCURRENCY / 10)} workers; latency with useListenNotify + notify queue`,
  });
}

/** The reported stall: a notify-enabled queue, useListenNotify, a batch worker, one bulk insert. */
async function pgBossNotifyStall(burstWhenBatchFull: boolean): Promise<string> {
  const schema = freshSchema('stall');
  const boss = new PgBoss({
    connectionString: DATABASE_URL,
    schema,
    supervise: false,
    schedule: false,
    useListenNotify: true,
  });
  boss.on('error', (error) => console.error('pg-boss error', error));
  await boss.start();
  await boss.createQueue('stall', { notify: true });
  let completed = 0;
  await boss.work('stall', { batchSize: 50, burstWhenBatchFull }, async (jobs) => {
    completed += jobs.length;
  });
  await sleep(300);
  await boss.insert(
    'stall',
    Array.from({ length: 500 }, () => ({ data: {} })),
  );
  const finished = await until(() => completed >= 500, 5000);
  await boss.stop({ graceful: false });
  return `burstWhenBatchFull=${burstWhenBatchFull}: ${completed}/500 processed within 5 s${finished ? '' : ' (stalled)'}`;
}

// ---------- graphile-worker ----------
/** graphile-worker logs every job at info; printing 3,000 lines would measure the terminal. */
const quietGraphileLogger = new GraphileLogger(() => (level, message) => {
  if (level === 'error') console.error(`graphile-worker: ${message}`);
});

async function benchGraphile(): Promise<void> {
  const schema = freshSchema('gw');
  const utils = await makeWorkerUtils({
    connectionString: DATABASE_URL,
    schema,
    logger: quietGraphileLogger,
  });
  await utils.migrate();
  await utils.addJobs(
    Array.from({ length: 100 }, () => ({
      identifier: 'warmup',
      payload: {},
      runAt: new Date(Date.now() + 3_600_000),
    })),
  );
  const t0 = performance.now();
  for (let done = 0; done < JOBS; done += INSERT_BATCH) {
    await utils.addJobs(
      Array.from({ length: Math.min(INSERT_BATCH, JOBS - done) }, () => ({
        identifier: 'bulk',
        payload: {},
      })),
    );
  }
  const enqueuePerSec = JOBS / ((performance.now() - t0) / 1000);

  let completed = 0;
  let seen = 0;
  let startedAt = 0;
  const latencies: number[] = [];
  const t1 = performance.now();
  const runner = await runGraphile({
    connectionString: DATABASE_URL,
    schema,
    concurrency: CONCURRENCY,
    noHandleSignals: true,
    pollInterval: 500,
    logger: quietGraphileLogger,
    taskList: {
      bulk: async () => {
        completed++;
      },
      idle: async () => {
        latencies.push(performance.now() - startedAt);
        seen++;
      },
    },
  });
  await until(() => completed >= JOBS, 120_000);
  const processPerSec = JOBS / ((performance.now() - t1) / 1000);
  await sleep(200);
  for (let i = 0; i < SAMPLES; i++) {
    startedAt = performance.now();
    await utils.addJob('idle', {});
    await until(() => seen > i, 5000);
    await sleep(20);
  }
  await runner.stop();
  await utils.release();
  rows.push({
    system: 'graphile-worker',
    enqueuePerSec,
    processPerSec,
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    note: `concurrency ${CONCURRENCY}, addJobs bulk`,
  });
}

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY?.split(',');
  const want = (name: string) => !only || only.includes(name);
  try {
    // Rounds interleave the systems, so a burst of load from elsewhere on the machine hits all of them alike.
    for (let round = 0; round < ROUNDS; round++) {
      if (want('graphile')) await benchGraphile();
      if (want('pgboss')) await benchPgBoss();
      if (want('adapter')) await benchAdapter();
    }
    const stall = want('stall') ? [await pgBossNotifyStall(false), await pgBossNotifyStall(true)] : [];
    const fmt = (value: number | undefined, digits = 0) =>
      value === undefined ? '-' : value.toFixed(digits);
    console.log(
      `\nPostgreSQL queues, ${JOBS} no-op jobs, ${SAMPLES} latency samples, ${ROUNDS} interleaved round(s) (${new Date().toISOString()})\n`,
    );
    console.log('| system | bulk enqueue jobs/s | processing jobs/s | idle start p50 ms | p95 ms | notes |');
    console.log('|---|---:|---:|---:|---:|---|');
    for (const row of rows) {
      console.log(
        `| ${row.system} | ${fmt(row.enqueuePerSec)} | ${fmt(row.processPerSec)} | ${fmt(row.p50Ms, 1)} | ${fmt(row.p95Ms, 1)} | ${row.note ?? ''} |`,
      );
    }
    if (ROUNDS > 1) printMedians(fmt);
    for (const line of stall) console.log(`\npg-boss notify + batch worker: ${line}`);
  } finally {
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  }
}

/** A second table: the median of each figure over the rounds. */
function printMedians(fmt: (value: number | undefined, digits?: number) => string): void {
  console.log('\nMedian over rounds:\n');
  console.log('| system | bulk enqueue jobs/s | processing jobs/s | idle start p50 ms |');
  console.log('|---|---:|---:|---:|');
  for (const system of new Set(rows.map((row) => row.system))) {
    const mine = rows.filter((row) => row.system === system);
    const median = (pick: (row: Row) => number | undefined) =>
      percentile(
        mine.map((row) => pick(row) ?? Number.NaN),
        50,
      );
    console.log(
      `| ${system} | ${fmt(median((row) => row.enqueuePerSec))} | ${fmt(median((row) => row.processPerSec))} | ${fmt(
        median((row) => row.p50Ms),
        1,
      )} |`,
    );
  }
}

await main();
