/**
 * Redis side-by-side: raw BullMQ 6 (Queue.addBulk + Worker) and the Switchyard BullMQ
 * adapter (raw leases, and the full yard + worker), on the same Redis in one run.
 *
 *   node bench/src/bullmq.ts      (BENCH_JOBS=10000 BENCH_SAMPLES=50 BENCH_CONCURRENCY=100 BENCH_ROUNDS=3 REDIS_URL=...)
 *
 * Needs built dist: `pnpm --filter @switchyard/core --filter @switchyard/adapter-bullmq build`.
 * Measures: bulk enqueue (jobs/s, batches of 1000), processing of no-op jobs (jobs/s, all
 * jobs queued first, concurrency BENCH_CONCURRENCY), idle enqueue-to-start latency (p50/p95
 * over BENCH_SAMPLES single jobs, worker idle). Rounds alternate raw and adapter; the
 * median round is reported, so a noisy neighbour on a shared machine skews both alike.
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import {
  createSwitchyard,
  defineTask,
  type Lease,
  type NewJob,
  newJobId,
  type QueueAdapter,
  silentLogger,
  systemClock,
} from '@switchyard/core';
import { Redis } from 'ioredis';

// The bench package does not depend on bullmq; load it (and the adapter's dist) through the adapter package.
const adapterDir = new URL('../../packages/adapter-bullmq/', import.meta.url);
const { Queue, Worker } = (await import(
  createRequire(adapterDir).resolve('bullmq')
)) as typeof import('bullmq');
const { bullmqAdapter } = (await import(new URL('dist/index.js', adapterDir).href)) as {
  bullmqAdapter: (options: { connection: string; prefix?: string }) => QueueAdapter;
};

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const JOBS = Number(process.env.BENCH_JOBS ?? 10_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 50);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const INSERT_BATCH = 1000;

const prefixes: string[] = [];
function freshPrefix(kind: string): string {
  const prefix = `bench${kind}${randomBytes(3).toString('hex')}`;
  prefixes.push(prefix);
  return prefix;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function median(values: number[]): number {
  return percentile(values, 50);
}

async function until(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) return false;
    await sleep(1);
  }
  return true;
}

interface Measure {
  enqueuePerSec: number;
  processPerSec: number;
  p50Ms: number;
  p95Ms: number;
}

// ---------- raw BullMQ ----------
async function benchRaw(): Promise<Measure> {
  const prefix = freshPrefix('raw');
  const connection = { url: REDIS_URL, maxRetriesPerRequest: null };
  const bulk = new Queue('bulk', { connection, prefix });
  const idleQueue = new Queue('idle', { connection, prefix });
  await bulk.waitUntilReady();
  await bulk.addBulk(
    Array.from({ length: 100 }, () => ({ name: 'warmup', data: {}, opts: { delay: 3_600_000 } })),
  );

  const t0 = performance.now();
  for (let done = 0; done < JOBS; done += INSERT_BATCH) {
    await bulk.addBulk(
      Array.from({ length: Math.min(INSERT_BATCH, JOBS - done) }, () => ({
        name: 'noop',
        data: {},
        opts: { jobId: newJobId() },
      })),
    );
  }
  const enqueuePerSec = JOBS / ((performance.now() - t0) / 1000);

  let completed = 0;
  const t1 = performance.now();
  const worker = new Worker(
    'bulk',
    async () => {
      completed++;
    },
    { connection, prefix, concurrency: CONCURRENCY },
  );
  await until(() => completed >= JOBS, 120_000);
  const processPerSec = JOBS / ((performance.now() - t1) / 1000);
  await worker.close();

  const latencies: number[] = [];
  let startedAt = 0;
  let seen = 0;
  const idle = new Worker(
    'idle',
    async () => {
      latencies.push(performance.now() - startedAt);
      seen++;
    },
    { connection, prefix, concurrency: 1 },
  );
  await idle.waitUntilReady();
  await sleep(200);
  for (let i = 0; i < SAMPLES; i++) {
    startedAt = performance.now();
    await idleQueue.add('noop', {}, { jobId: newJobId() });
    await until(() => seen > i, 5000);
    await sleep(20);
  }
  await idle.close();
  await Promise.all([bulk.close(), idleQueue.close()]);
  return { enqueuePerSec, processPerSec, p50Ms: percentile(latencies, 50), p95Ms: percentile(latencies, 95) };
}

// ---------- Switchyard adapter, raw leases ----------
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

async function benchAdapter(): Promise<Measure> {
  const adapter = bullmqAdapter({ connection: REDIS_URL, prefix: freshPrefix('sy') });
  await adapter.start({ logger: silentLogger, clock: systemClock, retention: {} });
  await adapter.enqueue(
    Array.from({ length: 100 }, () => ({ ...adapterJob('warmup'), runAt: new Date(Date.now() + 3_600_000) })),
  );

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
  await sleep(200);
  for (let i = 0; i < SAMPLES; i++) {
    startedAt = performance.now();
    await adapter.enqueue([adapterJob('idle')]);
    await until(() => seen > i, 5000);
    await sleep(20);
  }
  await idle.stop();
  await adapter.close();
  return { enqueuePerSec, processPerSec, p50Ms: percentile(latencies, 50), p95Ms: percentile(latencies, 95) };
}

// ---------- Switchyard yard + worker on the adapter ----------
const anyPayload: StandardSchemaV1<unknown, unknown> = {
  '~standard': { version: 1, vendor: 'bench', validate: (value: unknown) => ({ value }) },
};

async function benchYard(): Promise<Measure> {
  let completed = 0;
  let seen = 0;
  let startedAt = 0;
  const latencies: number[] = [];
  const noop = defineTask({
    name: 'noop',
    queue: 'bulk',
    schema: anyPayload,
    handler: async () => void completed++,
  });
  const ping = defineTask({
    name: 'ping',
    queue: 'idle',
    schema: anyPayload,
    handler: async () => {
      latencies.push(performance.now() - startedAt);
      seen++;
    },
  });
  const yard = createSwitchyard({
    adapter: bullmqAdapter({ connection: REDIS_URL, prefix: freshPrefix('yard') }),
    tasks: [noop, ping],
  });
  await yard.start();
  const payloads = Array.from({ length: INSERT_BATCH }, () => ({}));
  const t0 = performance.now();
  for (let done = 0; done < JOBS; done += INSERT_BATCH) {
    await yard.enqueueMany(noop, payloads.slice(0, Math.min(INSERT_BATCH, JOBS - done)));
  }
  const enqueuePerSec = JOBS / ((performance.now() - t0) / 1000);

  const t1 = performance.now();
  const worker = yard.createWorker({ queues: ['bulk'], concurrency: CONCURRENCY });
  await worker.start();
  await until(() => completed >= JOBS, 120_000);
  const processPerSec = JOBS / ((performance.now() - t1) / 1000);
  await worker.stop();

  const idle = yard.createWorker({ queues: ['idle'], concurrency: 1 });
  await idle.start();
  await sleep(200);
  for (let i = 0; i < SAMPLES; i++) {
    startedAt = performance.now();
    await yard.enqueue(ping, {});
    await until(() => seen > i, 5000);
    await sleep(20);
  }
  await idle.stop();
  await yard.close();
  return { enqueuePerSec, processPerSec, p50Ms: percentile(latencies, 50), p95Ms: percentile(latencies, 95) };
}

async function dropPrefixes(): Promise<void> {
  const redis = new Redis(REDIS_URL);
  for (const prefix of prefixes) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  }
  redis.disconnect();
}

function summarize(name: string, runs: Measure[]): Measure & { system: string } {
  return {
    system: name,
    enqueuePerSec: median(runs.map((r) => r.enqueuePerSec)),
    processPerSec: median(runs.map((r) => r.processPerSec)),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p95Ms: median(runs.map((r) => r.p95Ms)),
  };
}

const raw: Measure[] = [];
const adapterRuns: Measure[] = [];
const yardRuns: Measure[] = [];
try {
  for (let round = 0; round < ROUNDS; round++) {
    raw.push(await benchRaw());
    adapterRuns.push(await benchAdapter());
    yardRuns.push(await benchYard());
  }
} finally {
  await dropPrefixes();
}
const base = summarize('raw BullMQ 6 (Queue.addBulk / Worker)', raw);
const rows = [
  base,
  summarize('switchyard bullmq adapter (leases)', adapterRuns),
  summarize('switchyard yard + worker on bullmq', yardRuns),
];
console.log(
  `\nBullMQ on ${REDIS_URL}: ${JOBS} jobs, concurrency ${CONCURRENCY}, ${SAMPLES} latency samples, median of ${ROUNDS} rounds`,
);
console.table(
  rows.map((row) => ({
    system: row.system,
    'enqueue jobs/s': Math.round(row.enqueuePerSec),
    'x raw': (row.enqueuePerSec / base.enqueuePerSec).toFixed(2),
    'process jobs/s': Math.round(row.processPerSec),
    'x raw ': (row.processPerSec / base.processPerSec).toFixed(2),
    'p50 ms': row.p50Ms.toFixed(2),
    'p95 ms': row.p95Ms.toFixed(2),
    'p50 x raw': (row.p50Ms / base.p50Ms).toFixed(2),
  })),
);
