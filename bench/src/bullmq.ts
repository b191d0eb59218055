/**
 * Redis side-by-side: raw BullMQ 6 (Queue.addBulk + Worker) and the Switchyard BullMQ
 * adapter (raw leases, the full yard + worker, and the yard with events and history off),
 * on the same Redis in one run.
 *
 *   node bench/src/bullmq.ts      (BENCH_JOBS=10000 BENCH_SAMPLES=50 BENCH_CONCURRENCY=100 BENCH_ROUNDS=3 REDIS_URL=...)
 *
 * Needs built dist: `pnpm --filter @switchyard/core --filter @switchyard/adapter-bullmq build`.
 * Measures: bulk enqueue (jobs/s, batches of 1000), processing of no-op jobs (jobs/s, all
 * jobs queued first, concurrency BENCH_CONCURRENCY), idle enqueue-to-start latency (p50/p95
 * over BENCH_SAMPLES single jobs, worker idle). Rounds alternate raw and adapter, in an order
 * rotated per round, so a noisy neighbour or a cold start skews each alike; within a round,
 * the idle workers of all five systems are open at once and take their latency samples in
 * turns (`measureInterleaved`), since samples a few seconds apart differ more than the
 * systems do. It prints every round first (the bench harness reads that table, to pair the
 * rounds and show their spread), then the medians. Raw BullMQ
 * runs twice: plain (no priority) and with every job prioritized, as Switchyard's jobs are;
 * so does the yard: with the defaults, and lean (no cluster-wide events, no throughput history).
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import {
  createSwitchyard,
  defineTask,
  newJobId,
  type QueueAdapter,
  type Switchyard,
  silentLogger,
  systemClock,
  type TaskDefinition,
} from '@switchyard/core';
import { REDIS_URL } from '@switchyard/test-services';
import { adapterLatencyProbe, measureAdapterThroughput, type ThroughputMeasure } from './adapter-measure.ts';
import { type CpuCost, redisCpu, withCpuCost } from './cpu-cost.ts';
import {
  type LatencyProbe,
  type Measure,
  measureInterleaved,
  StartLatency,
  timeBulkEnqueue,
  timeProcessing,
} from './measure.ts';
import { deleteKeys } from './redis-keys.ts';
import { median, roundOrder } from './stats.ts';

// The bench package does not depend on bullmq; load it (and the adapter's dist) through the adapter package.
const adapterDir = new URL('../../packages/adapter-bullmq/', import.meta.url);
const { Queue, Worker } = (await import(
  createRequire(adapterDir).resolve('bullmq')
)) as typeof import('bullmq');
const { bullmqAdapter } = (await import(new URL('dist/index.js', adapterDir).href)) as {
  bullmqAdapter: (options: { connection: string; prefix?: string }) => QueueAdapter;
};

const JOBS = Number(process.env.BENCH_JOBS ?? 10_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 50);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const INSERT_BATCH = 1000;
/** Wait before the first latency sample, for the idle workers to settle. */
const SETTLE_MS = 200;

const redisClock = redisCpu(REDIS_URL);

/** Runs one phase of `JOBS` jobs and keeps what it cost in CPU under `phase`. */
async function costed(
  costs: Pick<Measure, 'enqueueCost' | 'processCost'>,
  phase: 'enqueueCost' | 'processCost',
  work: () => Promise<number>,
): Promise<number> {
  const { result, cost } = await withCpuCost(JOBS, redisClock.read, work);
  costs[phase] = cost;
  return result;
}

const prefixes: string[] = [];
function freshPrefix(kind: string): string {
  const prefix = `bench${kind}${randomBytes(3).toString('hex')}`;
  prefixes.push(prefix);
  return prefix;
}

// ---------- raw BullMQ ----------
/**
 * Raw BullMQ, its jobs without a priority (BullMQ's plain wait list, its fastest path) or,
 * with `priority`, every job prioritized as every Switchyard job is (BullMQ serves unprioritized
 * jobs before all others, so strict 0..9 ordering needs its prioritized set for the default too).
 */
async function benchRaw(priority?: number): Promise<ThroughputMeasure> {
  const prefix = freshPrefix('raw');
  const jobOptions = priority === undefined ? {} : { priority };
  const connection = { url: REDIS_URL, maxRetriesPerRequest: null };
  const bulk = new Queue('bulk', { connection, prefix });
  await bulk.waitUntilReady();
  await bulk.addBulk(
    Array.from({ length: 100 }, () => ({ name: 'warmup', data: {}, opts: { delay: 3_600_000 } })),
  );
  const costs: Pick<Measure, 'enqueueCost' | 'processCost'> = {};
  const enqueuePerSec = await costed(costs, 'enqueueCost', () =>
    timeBulkEnqueue(JOBS, INSERT_BATCH, (count) =>
      bulk.addBulk(
        Array.from({ length: count }, () => ({
          name: 'noop',
          data: {},
          opts: { ...jobOptions, jobId: newJobId() },
        })),
      ),
    ),
  );

  let completed = 0;
  let worker: { close(): Promise<void> } | undefined;
  const processPerSec = await costed(costs, 'processCost', () =>
    timeProcessing(
      JOBS,
      () => completed,
      () => {
        worker = new Worker(
          'bulk',
          async () => {
            completed++;
          },
          { connection, prefix, concurrency: CONCURRENCY },
        );
      },
    ),
  );
  await worker?.close();
  await bulk.close();
  return { enqueuePerSec, processPerSec, ...costs };
}

/** An idle raw BullMQ worker, its jobs as in `benchRaw`. */
async function rawProbe(priority?: number): Promise<LatencyProbe> {
  const prefix = freshPrefix('raw');
  const jobOptions = priority === undefined ? {} : { priority };
  const connection = { url: REDIS_URL, maxRetriesPerRequest: null };
  const idleQueue = new Queue('idle', { connection, prefix });
  await idleQueue.waitUntilReady();
  const latency = new StartLatency();
  const idle = new Worker('idle', async () => latency.record(), { connection, prefix, concurrency: 1 });
  await idle.waitUntilReady();
  return {
    latency,
    enqueueOne: () => idleQueue.add('noop', {}, { ...jobOptions, jobId: newJobId() }),
    close: async () => {
      await idle.close();
      await idleQueue.close();
    },
  };
}

// ---------- Switchyard adapter, raw leases ----------
async function startedAdapter(): Promise<QueueAdapter> {
  const adapter = bullmqAdapter({ connection: REDIS_URL, prefix: freshPrefix('sy') });
  await adapter.start({ logger: silentLogger, clock: systemClock, retention: {} });
  return adapter;
}

async function benchAdapter(): Promise<ThroughputMeasure> {
  const adapter = await startedAdapter();
  try {
    return await measureAdapterThroughput(adapter, {
      jobs: JOBS,
      concurrency: CONCURRENCY,
      insertBatch: INSERT_BATCH,
      serverCpu: redisClock.read,
    });
  } finally {
    await adapter.close();
  }
}

async function adapterProbe(): Promise<LatencyProbe> {
  const adapter = await startedAdapter();
  const probe = adapterLatencyProbe(adapter);
  return {
    ...probe,
    close: async () => {
      await probe.close();
      await adapter.close();
    },
  };
}

// ---------- Switchyard yard + worker on the adapter ----------
const anyPayload: StandardSchemaV1<unknown, unknown> = {
  '~standard': { version: 1, vendor: 'bench', validate: (value: unknown) => ({ value }) },
};

/**
 * A started yard on a fresh prefix, with the defaults or `lean`: without cluster-wide events and
 * throughput history (`publishEvents: false`, `history: { record: false }`), so a run shows what
 * those cost.
 */
async function startedYard(task: TaskDefinition, lean: boolean): Promise<Switchyard> {
  const yard = createSwitchyard({
    adapter: bullmqAdapter({ connection: REDIS_URL, prefix: freshPrefix('yard') }),
    tasks: [task],
    ...(lean ? { publishEvents: false, history: { record: false } } : {}),
  });
  await yard.start();
  return yard;
}

async function benchYard(lean = false): Promise<ThroughputMeasure> {
  let completed = 0;
  const noop = defineTask({
    name: 'noop',
    queue: 'bulk',
    schema: anyPayload,
    handler: async () => void completed++,
  });
  const yard = await startedYard(noop, lean);
  const payloads = Array.from({ length: INSERT_BATCH }, () => ({}));
  const costs: Pick<Measure, 'enqueueCost' | 'processCost'> = {};
  const enqueuePerSec = await costed(costs, 'enqueueCost', () =>
    timeBulkEnqueue(JOBS, INSERT_BATCH, (count) => yard.enqueueMany(noop, payloads.slice(0, count))),
  );

  const worker = yard.createWorker({ queues: ['bulk'], concurrency: CONCURRENCY });
  const processPerSec = await costed(costs, 'processCost', () =>
    timeProcessing(
      JOBS,
      () => completed,
      () => worker.start(),
    ),
  );
  await worker.stop();
  await yard.close();
  return { enqueuePerSec, processPerSec, ...costs };
}

/** An idle yard worker, the yard as in `benchYard`. */
async function yardProbe(lean = false): Promise<LatencyProbe> {
  const latency = new StartLatency();
  const ping = defineTask({
    name: 'ping',
    queue: 'idle',
    schema: anyPayload,
    handler: async () => latency.record(),
  });
  const yard = await startedYard(ping, lean);
  const idle = yard.createWorker({ queues: ['idle'], concurrency: 1 });
  await idle.start();
  return {
    latency,
    enqueueOne: () => yard.enqueue(ping, {}),
    close: async () => {
      await idle.stop();
      await yard.close();
    },
  };
}

async function dropPrefixes(): Promise<void> {
  for (const prefix of prefixes) await deleteKeys(REDIS_URL, `${prefix}:*`);
}

/** The CPU-per-job cells of a round, in µs, as the harness reads them. */
function cpuColumns({ enqueueCost, processCost }: Measure): Record<string, string> {
  const cell = (cost: CpuCost | undefined, side: keyof CpuCost) => cost?.[side].toFixed(1) ?? '';
  return {
    'enqueue node µs/job': cell(enqueueCost, 'nodeUsPerJob'),
    'enqueue redis µs/job': cell(enqueueCost, 'serverUsPerJob'),
    'process node µs/job': cell(processCost, 'nodeUsPerJob'),
    'process redis µs/job': cell(processCost, 'serverUsPerJob'),
  };
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

/** The five systems, in the order of the tables; each round runs them in a rotated order. */
const systems: {
  name: string;
  bench: () => Promise<ThroughputMeasure>;
  probe: () => Promise<LatencyProbe>;
  runs: Measure[];
}[] = [
  {
    name: 'raw BullMQ 6 (Queue.addBulk / Worker)',
    bench: () => benchRaw(),
    probe: () => rawProbe(),
    runs: [],
  },
  {
    name: 'prioritized raw BullMQ 6 (priority 6 on every job)',
    bench: () => benchRaw(6),
    probe: () => rawProbe(6),
    runs: [],
  },
  { name: 'switchyard bullmq adapter (leases)', bench: benchAdapter, probe: adapterProbe, runs: [] },
  {
    name: 'switchyard yard + worker on bullmq',
    bench: () => benchYard(),
    probe: () => yardProbe(),
    runs: [],
  },
  {
    name: 'lean switchyard yard (events and history off)',
    bench: () => benchYard(true),
    probe: () => yardProbe(true),
    runs: [],
  },
];

/** One round: each system's throughput in turn, then every system's idle latency, interleaved. */
async function runRound(round: number): Promise<void> {
  const order = roundOrder(systems, round);
  const throughput: ThroughputMeasure[] = [];
  // Rotated, so the cold first run of the process falls on each system in turn.
  for (const system of order) throughput.push(await system.bench());
  const probes: LatencyProbe[] = [];
  try {
    for (const system of order) probes.push(await system.probe());
    const latencies = await measureInterleaved(probes, SAMPLES, SETTLE_MS);
    order.forEach((system, index) => {
      system.runs.push({ ...throughput[index]!, ...latencies[index]! });
    });
  } finally {
    for (const probe of probes) await probe.close();
  }
}

try {
  for (let round = 0; round < ROUNDS; round++) await runRound(round);
} finally {
  redisClock.close();
  await dropPrefixes();
}
console.log(`\nBullMQ on ${REDIS_URL}: ${JOBS} jobs, concurrency ${CONCURRENCY}, ${SAMPLES} latency samples`);
console.log('Every round (the five systems alternate within a round, in an order rotated per round):');
console.table(
  Array.from({ length: ROUNDS }, (_, round) =>
    systems.map(({ name, runs }) => ({
      system: name,
      round: round + 1,
      'enqueue jobs/s': Math.round(runs[round]!.enqueuePerSec),
      'process jobs/s': Math.round(runs[round]!.processPerSec),
      'p50 ms': runs[round]!.p50Ms.toFixed(2),
      'p95 ms': runs[round]!.p95Ms.toFixed(2),
      ...cpuColumns(runs[round]!),
    })),
  ).flat(),
);
const rows = systems.map(({ name, runs }) => summarize(name, runs));
const base = rows[0]!;
console.log(`Median of ${ROUNDS} rounds:`);
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
