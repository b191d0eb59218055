/**
 * The in-process section: Switchyard on the memory adapter against p-queue
 * (with priorities), fastq and a bare binary-heap loop, doing the same no-op
 * (or CPU-bound) work. Scenario bodies are written once over `QueueUnderTest`.
 */
import { fastQueue } from '../peers/fastq.ts';
import { heapQueue } from '../peers/heap.ts';
import { pQueue } from '../peers/pqueue.ts';
import type { BenchPayload, QueueFactory } from '../peers/queue-under-test.ts';
import { spin } from '../peers/spin.ts';
import type { BenchOptions, Contender, Sample, Scenario, Section } from '../section.ts';
import { percentile } from '../stats.ts';
import { measureRssInChild } from './memory-rss.ts';
import { switchyardMemory } from './memory-switchyard.ts';

/** Jobs per `addBatch`; the priority rotates 0..9 from one batch to the next ("mixed priorities"). */
const BATCH = 1000;
const PRIORITIES = 10;

/** Sizes per mode. */
interface MemorySizes {
  enqueueJobs: number;
  throughputJobs: number;
  latencySamples: number;
  backlogs: number[];
  /** Jobs timed per backlog run: min(this, backlog / 2), so the backlog never drains while timed. */
  backlogTimed: number;
  rssJobs: number;
  cpuJobs: number;
}

const FULL: MemorySizes = {
  enqueueJobs: 100_000,
  throughputJobs: 200_000,
  latencySamples: 500,
  backlogs: [10_000, 100_000, 1_000_000],
  backlogTimed: 20_000,
  rssJobs: 1_000_000,
  cpuJobs: 20_000,
};
const QUICK: MemorySizes = {
  enqueueJobs: 10_000,
  throughputJobs: 30_000,
  latencySamples: 100,
  backlogs: [10_000, 100_000],
  backlogTimed: 10_000,
  rssJobs: 1_000_000,
  cpuJobs: 3_000,
};

/** RSS contenders measured in --quick (the 1M-job fill of p-queue and fastq alone takes ~25 s). */
const QUICK_RSS_CONTENDERS = ['switchyard', 'heap'];

/** The contenders, Switchyard first. */
const CONTENDERS: { name: string; role: Contender['role']; factory: QueueFactory; note: string }[] = [
  {
    name: 'switchyard',
    role: 'switchyard',
    factory: switchyardMemory,
    note: 'memory adapter, events unsubscribed',
  },
  { name: 'p-queue', role: 'peer', factory: pQueue, note: 'priorities on' },
  { name: 'fastq', role: 'peer', factory: fastQueue, note: 'FIFO: fastq has no priorities' },
  { name: 'heap', role: 'peer', factory: heapQueue, note: 'bare binary heap + pump' },
];

const PEER_NAMES = CONTENDERS.filter((c) => c.role === 'peer').map((c) => c.name);

const noop = (): void => {};
const elapsedSeconds = (from: number): number => (performance.now() - from) / 1000;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `count` payloads cut into batches of `BATCH`, built before any timing starts. */
function batches(count: number): BenchPayload[][] {
  const out: BenchPayload[][] = [];
  for (let start = 0; start < count; start += BATCH) {
    const batch: BenchPayload[] = [];
    for (let i = start; i < Math.min(count, start + BATCH); i++) batch.push({ i });
    out.push(batch);
  }
  return out;
}

async function enqueueOne(factory: QueueFactory, jobs: number): Promise<Sample> {
  const queue = await factory({ concurrency: 1, handler: noop });
  const started = performance.now();
  for (let i = 0; i < jobs; i++) await queue.add({ i }, i % PRIORITIES);
  const seconds = elapsedSeconds(started);
  await queue.close();
  return { rate: jobs / seconds };
}

async function enqueueBulk(factory: QueueFactory, jobs: number): Promise<Sample> {
  const queue = await factory({ concurrency: 1, handler: noop });
  const work = batches(jobs);
  const started = performance.now();
  for (let b = 0; b < work.length; b++) await queue.addBatch(work[b]!, b % PRIORITIES);
  const seconds = elapsedSeconds(started);
  await queue.close();
  return { rate: jobs / seconds };
}

/** Enqueue N (bulk, mixed priorities), then start processing; time until all N completed. */
async function throughput(
  factory: QueueFactory,
  jobs: number,
  concurrency: number,
  handler: (payload: BenchPayload) => void = noop,
): Promise<Sample> {
  const queue = await factory({ concurrency, handler });
  const work = batches(jobs);
  const started = performance.now();
  for (let b = 0; b < work.length; b++) await queue.addBatch(work[b]!, b % PRIORITIES);
  const enqueued = performance.now();
  await queue.start();
  await queue.completedAtLeast(jobs);
  const finished = performance.now();
  await queue.close();
  return {
    rate: jobs / ((finished - started) / 1000),
    processRate: jobs / ((finished - enqueued) / 1000),
  };
}

/** An idle queue; one job at a time; time from before `add` to the handler's first line. */
async function idleLatency(factory: QueueFactory, samples: number): Promise<Sample> {
  const warmup = 20;
  const latencies: number[] = [];
  let onStart: (() => void) | undefined;
  const queue = await factory({
    concurrency: 100,
    handler: (payload) => {
      latencies.push(performance.now() - payload.t!);
      onStart?.();
    },
  });
  await queue.start();
  for (let i = 0; i < samples + warmup; i++) {
    const started = new Promise<void>((resolve) => {
      onStart = resolve;
    });
    await queue.add({ i, t: performance.now() }, 5);
    await started;
    await queue.completedAtLeast(i + 1);
    // Let the queue go idle again (timers, microtasks) before the next job.
    await sleep(2);
  }
  await queue.close();
  const measured = latencies.slice(warmup);
  return { p50: percentile(measured, 50), p95: percentile(measured, 95), p99: percentile(measured, 99) };
}

/** `backlog` jobs queued, then the processing rate over the first `timed` of them at concurrency 100. */
async function backlogRate(factory: QueueFactory, backlog: number, timed: number): Promise<Sample> {
  const queue = await factory({ concurrency: 100, handler: noop });
  const work = batches(backlog);
  for (let b = 0; b < work.length; b++) await queue.addBatch(work[b]!, b % PRIORITIES);
  const started = performance.now();
  await queue.start();
  await queue.completedAtLeast(timed);
  const seconds = elapsedSeconds(started);
  await queue.close();
  return { rate: timed / seconds };
}

/** CPU cost per job in busy-loop iterations: 70 % light, 20 % medium, 10 % heavy. */
function cpuCost(i: number): number {
  const bucket = i % 10;
  if (bucket < 7) return 10_000;
  if (bucket < 9) return 50_000;
  return 200_000;
}

function cpuHandler(payload: BenchPayload): void {
  spin(cpuCost(payload.i));
}

/** The same CPU work with no queue at all: the ceiling for the CPU-mix scenario. */
function workOnlyRate(jobs: number): number {
  const started = performance.now();
  for (let i = 0; i < jobs; i++) spin(cpuCost(i));
  return jobs / elapsedSeconds(started);
}

function contenders(run: (factory: QueueFactory, name: string) => Promise<Sample>): Contender[] {
  return CONTENDERS.map(({ name, role, factory, note }) => ({
    name,
    role,
    settings: { note },
    run: () => run(factory, name),
  }));
}

const rateMetric = { key: 'rate', label: 'jobs/s', better: 'higher' } as const;

function backlogLabel(backlog: number): string {
  return backlog >= 1_000_000 ? `${backlog / 1_000_000}M` : `${backlog / 1000}k`;
}

/** p-queue keeps a sorted array: inserting a mixed priority splices, O(n) per job. Past this it takes minutes. */
const PQUEUE_MAX_BACKLOG = 100_000;

/** Builds the memory section. */
export function memorySection(): Section {
  return {
    name: 'memory',
    peers: PEER_NAMES,
    async availability() {
      return undefined;
    },
    async scenarios(options: BenchOptions): Promise<Scenario[]> {
      const sizes = options.quick ? QUICK : FULL;
      const list: Scenario[] = [
        {
          id: 'enqueue-one',
          title: 'Enqueue one at a time',
          settings: { jobs: sizes.enqueueJobs, priorities: 'i % 10', awaitEach: true },
          metrics: [rateMetric],
          contenders: contenders((factory) => enqueueOne(factory, sizes.enqueueJobs)),
        },
        {
          id: 'enqueue-bulk',
          title: 'Enqueue in bulk',
          settings: { jobs: sizes.enqueueJobs, batch: BATCH, priorities: 'rotating per batch' },
          metrics: [rateMetric],
          contenders: contenders((factory) => enqueueBulk(factory, sizes.enqueueJobs)),
        },
      ];
      for (const concurrency of [1, 100]) {
        list.push({
          id: `throughput-c${concurrency}`,
          title: `No-op throughput, concurrency ${concurrency}, mixed priorities (enqueue + process)`,
          settings: {
            jobs: sizes.throughputJobs,
            concurrency,
            batch: BATCH,
            priorities: 'rotating per batch',
          },
          metrics: [rateMetric, { key: 'processRate', label: 'process-only jobs/s', better: 'higher' }],
          contenders: contenders((factory) => throughput(factory, sizes.throughputJobs, concurrency)),
        });
      }
      list.push({
        id: 'idle-latency',
        title: 'Idle enqueue-to-start latency',
        settings: { samples: sizes.latencySamples, warmup: 20, gapMs: 2, concurrency: 100 },
        metrics: [
          { key: 'p50', label: 'p50 ms', better: 'lower' },
          { key: 'p95', label: 'p95 ms', better: 'lower' },
          { key: 'p99', label: 'p99 ms', better: 'lower' },
        ],
        contenders: contenders((factory) => idleLatency(factory, sizes.latencySamples)),
      });
      for (const backlog of sizes.backlogs) {
        const timed = Math.min(sizes.backlogTimed, backlog / 2);
        const all = contenders((factory) => backlogRate(factory, backlog, timed));
        const tooBig = backlog > PQUEUE_MAX_BACKLOG;
        list.push({
          id: `backlog-${backlogLabel(backlog)}`,
          title: `Processing rate with ${backlogLabel(backlog)} queued (concurrency 100)`,
          settings: {
            backlog,
            timedJobs: timed,
            concurrency: 100,
            batch: BATCH,
            priorities: 'rotating per batch',
          },
          metrics: [rateMetric],
          contenders: tooBig ? all.filter((c) => c.name !== 'p-queue') : all,
          ...(tooBig
            ? {
                notRun: [
                  {
                    name: 'p-queue',
                    reason: `sorted-array insert is O(n) per job; filling ${backlogLabel(backlog)} takes minutes`,
                  },
                ],
              }
            : {}),
        });
      }
      const rssContenders = CONTENDERS.filter((c) => !options.quick || QUICK_RSS_CONTENDERS.includes(c.name));
      list.push({
        id: 'rss-1m',
        title: `Resident memory with ${backlogLabel(sizes.rssJobs)} queued jobs (child process)`,
        settings: {
          jobs: sizes.rssJobs,
          priority: 5,
          payload: '{ i }',
          gc: 'node --expose-gc, gc() twice before each reading',
        },
        metrics: [
          { key: 'rssMiB', label: 'RSS MiB', better: 'lower' },
          { key: 'bytesPerJob', label: 'RSS bytes/job', better: 'lower' },
        ],
        rounds: 1,
        contenders: rssContenders.map(({ name, role }) => ({
          name,
          role,
          run: () => measureRssInChild(name, sizes.rssJobs),
        })),
        notRun: CONTENDERS.filter((c) => !rssContenders.includes(c)).map((c) => ({
          name: c.name,
          reason: 'skipped in --quick (run `pnpm bench` for every peer)',
        })),
      });
      const work = workOnlyRate(sizes.cpuJobs);
      list.push({
        id: 'cpu-mix',
        title: 'CPU-bound handler mix (70 % 10k, 20 % 50k, 10 % 200k loop iterations), concurrency 10',
        settings: {
          jobs: sizes.cpuJobs,
          concurrency: 10,
          workOnlyJobsPerSecond: Math.round(work),
        },
        metrics: [rateMetric],
        contenders: contenders((factory) => throughput(factory, sizes.cpuJobs, 10, cpuHandler)),
      });
      return list;
    },
  };
}
