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
import { silentLogger, systemClock } from '@switchyard/core';
import { DATABASE_URL } from '@switchyard/test-services';
import { Logger as GraphileLogger, makeWorkerUtils, run as runGraphile } from 'graphile-worker';
import pg from 'pg';
import { PgBoss, type WorkOptions } from 'pg-boss';
import { measureAdapter } from './adapter-measure.ts';
import { type Measure, StartLatency, timeBulkEnqueue, timeProcessing } from './measure.ts';
import { median } from './stats.ts';
import { sleep, until } from './wait.ts';

const JOBS = Number(process.env.BENCH_JOBS ?? 3000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 50);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);
// The bench runner (scenarios/pgboss.ts) alternates contenders itself, one per process: one round by default.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const INSERT_BATCH = 1000;
/** Waits poll every 2 ms: each check is cheap, but the database clients share the two cores. */
const POLL_MS = 2;

const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
const schemas: string[] = [];

function freshSchema(kind: string): string {
  const schema = `bench_${kind}_${randomBytes(3).toString('hex')}`;
  schemas.push(schema);
  return schema;
}

interface Row extends Partial<Measure> {
  system: string;
  note?: string;
}
const rows: Row[] = [];

// ---------- Switchyard adapter ----------
async function benchAdapter(): Promise<void> {
  const adapter = pgBossAdapter({ connectionString: DATABASE_URL, schema: freshSchema('sy') });
  const started = performance.now();
  await adapter.start({ logger: silentLogger, clock: systemClock, retention: {} });
  const startMs = performance.now() - started;
  try {
    const measure = await measureAdapter(adapter, {
      jobs: JOBS,
      samples: SAMPLES,
      concurrency: CONCURRENCY,
      insertBatch: INSERT_BATCH,
      settleMs: 100,
      pollMs: POLL_MS,
    });
    rows.push({
      system: 'switchyard pg-boss adapter',
      ...measure,
      note: `start() ${startMs.toFixed(0)} ms on a new schema; concurrency ${CONCURRENCY}`,
    });
  } finally {
    await adapter.close();
  }
}

// ---------- raw pg-boss ----------
/**
 * pg-boss's best documented configuration for a backlog (pg-boss 12 JobPollingOptions):
 * batches of 50 with `burstWhenBatchFull` (fetch again at once while batches come back
 * full), the minimum base poll of 0.5 s, and batchSize × localConcurrency = CONCURRENCY
 * jobs in flight, the same as the adapter and graphile-worker get.
 */
const LOCAL_WORKERS = 2;
const BULK_WORK = {
  // Exactly CONCURRENCY jobs in flight, like every other contender (at most 50 per batch).
  batchSize: Math.max(1, Math.min(50, Math.round(CONCURRENCY / LOCAL_WORKERS))),
  burstWhenBatchFull: true,
  pollingIntervalSeconds: 0.5,
  localConcurrency: Math.max(LOCAL_WORKERS, Math.ceil(CONCURRENCY / 50)),
} satisfies WorkOptions;
/** Idle wake-up: a notify-enabled queue with LISTEN/NOTIFY on the instance; polling is only the backstop. */
const IDLE_WORK = { pollingIntervalSeconds: 0.5 } satisfies WorkOptions;

/** A started pg-boss on a fresh schema, LISTEN/NOTIFY on, maintenance and cron off (they are not measured). */
async function startBoss(kind: string): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: DATABASE_URL,
    schema: freshSchema(kind),
    supervise: false,
    schedule: false,
    useListenNotify: true,
  });
  boss.on('error', (error) => console.error('pg-boss error', error));
  await boss.start();
  return boss;
}

async function benchPgBoss(): Promise<void> {
  const boss = await startBoss('pgb');
  await boss.createQueue('bulk');
  await boss.createQueue('idle', { notify: true });
  await boss.createQueue('warmup');
  await boss.insert(
    'warmup',
    Array.from({ length: 100 }, () => ({ data: {} })),
  );
  const enqueuePerSec = await timeBulkEnqueue(JOBS, INSERT_BATCH, (count) =>
    boss.insert(
      'bulk',
      Array.from({ length: count }, () => ({ data: {} })),
    ),
  );

  let completed = 0;
  const processPerSec = await timeProcessing(
    JOBS,
    () => completed,
    () =>
      boss.work('bulk', BULK_WORK, async (jobs) => {
        completed += jobs.length;
      }),
    POLL_MS,
  );
  await boss.offWork('bulk');

  const latency = new StartLatency();
  await boss.work('idle', IDLE_WORK, async () => latency.record());
  const { p50Ms, p95Ms } = await latency.measure(SAMPLES, () => boss.send('idle', {}), 200, POLL_MS);
  await boss.stop({ graceful: false });
  rows.push({
    system: 'raw pg-boss 12',
    enqueuePerSec,
    processPerSec,
    p50Ms,
    p95Ms,
    note: `work(): batchSize ${BULK_WORK.batchSize}, burstWhenBatchFull, poll ${BULK_WORK.pollingIntervalSeconds} s, ${BULK_WORK.localConcurrency} workers; latency with useListenNotify + notify queue`,
  });
}

/** The reported stall: a notify-enabled queue, useListenNotify, a batch worker, one bulk insert. */
async function pgBossNotifyStall(burstWhenBatchFull: boolean): Promise<string> {
  const boss = await startBoss('stall');
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
  const finished = await until(() => completed >= 500, 5000, POLL_MS);
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
  const enqueuePerSec = await timeBulkEnqueue(JOBS, INSERT_BATCH, (count) =>
    utils.addJobs(Array.from({ length: count }, () => ({ identifier: 'bulk', payload: {} }))),
  );

  let completed = 0;
  const latency = new StartLatency();
  let runner: Awaited<ReturnType<typeof runGraphile>> | undefined;
  const processPerSec = await timeProcessing(
    JOBS,
    () => completed,
    async () => {
      runner = await runGraphile({
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
          idle: async () => latency.record(),
        },
      });
    },
    POLL_MS,
  );
  const { p50Ms, p95Ms } = await latency.measure(SAMPLES, () => utils.addJob('idle', {}), 200, POLL_MS);
  await runner?.stop();
  await utils.release();
  rows.push({
    system: 'graphile-worker',
    enqueuePerSec,
    processPerSec,
    p50Ms,
    p95Ms,
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
    const middle = (pick: (row: Row) => number | undefined) =>
      median(mine.map((row) => pick(row) ?? Number.NaN));
    console.log(
      `| ${system} | ${fmt(middle((row) => row.enqueuePerSec))} | ${fmt(middle((row) => row.processPerSec))} | ${fmt(
        middle((row) => row.p50Ms),
        1,
      )} |`,
    );
  }
}

await main();
