/**
 * The Switchyard adapter contender of a backend script, on raw leases (no
 * core): the same enqueue / process / idle-latency skeleton on any adapter.
 */
import { type Consumer, type Lease, type NewJob, newJobId, type QueueAdapter } from '@switchyard/core';
import { type CpuCost, type ServerCpu, withCpuCost } from './cpu-cost.ts';
import { type LatencyProbe, type Measure, StartLatency, timeBulkEnqueue, timeProcessing } from './measure.ts';

/** Sizes of one measurement. */
export interface MeasureSizes {
  jobs: number;
  samples: number;
  concurrency: number;
  insertBatch: number;
  /** Wait before the first latency sample, for the idle consumer to settle. */
  settleMs: number;
  /** How often the waits check their condition. */
  pollMs?: number;
  /** The server's CPU clock: given, the bulk enqueue and the processing report their CPU per job. */
  serverCpu?: ServerCpu;
}

/** A no-op job as the adapter receives it from core, due now (or at `runAt`). */
export function noopJob(queue: string, runAt = new Date()): NewJob {
  const now = new Date();
  return {
    id: newJobId(),
    task: 'noop',
    queue,
    payload: {},
    priority: 5,
    createdAt: now,
    runAt,
    maxAttempts: 3,
    metadata: {},
  };
}

const LEASE_MS = 30_000;

/** Bulk enqueue and processing figures, without the idle latency. */
export type ThroughputMeasure = Omit<Measure, 'p50Ms' | 'p95Ms'>;

/**
 * Measures a started adapter: 100 warm-up jobs on a queue nobody consumes
 * (plans, first pages), bulk enqueue on 'bulk', processing it at
 * `concurrency`, then idle latency on 'idle'. Leaves the adapter open.
 */
export async function measureAdapter(adapter: QueueAdapter, sizes: MeasureSizes): Promise<Measure> {
  const throughput = await measureAdapterThroughput(adapter, sizes);
  const probe = adapterLatencyProbe(adapter);
  try {
    const latency = await probe.latency.measure(
      sizes.samples,
      probe.enqueueOne,
      sizes.settleMs,
      sizes.pollMs,
    );
    return { ...throughput, ...latency };
  } finally {
    await probe.close();
  }
}

/** The bulk enqueue and processing part of `measureAdapter`. Leaves the adapter open. */
export async function measureAdapterThroughput(
  adapter: QueueAdapter,
  sizes: Omit<MeasureSizes, 'samples' | 'settleMs'>,
): Promise<ThroughputMeasure> {
  const { jobs, concurrency, insertBatch, pollMs, serverCpu } = sizes;
  const costs: { enqueueCost?: CpuCost; processCost?: CpuCost } = {};
  const measured = async (phase: keyof typeof costs, work: () => Promise<number>): Promise<number> => {
    if (serverCpu === undefined) return work();
    const { result, cost } = await withCpuCost(jobs, serverCpu, work);
    costs[phase] = cost;
    return result;
  };
  await adapter.enqueue(
    Array.from({ length: 100 }, () => noopJob('warmup', new Date(Date.now() + 3_600_000))),
  );
  const enqueuePerSec = await measured('enqueueCost', () =>
    timeBulkEnqueue(jobs, insertBatch, (count) =>
      adapter.enqueue(Array.from({ length: count }, () => noopJob('bulk'))),
    ),
  );

  let completed = 0;
  let consumer: Consumer | undefined;
  const processPerSec = await measured('processCost', () =>
    timeProcessing(
      jobs,
      () => completed,
      () => {
        consumer = adapter.consume(
          ['bulk'],
          { concurrency, leaseDurationMs: LEASE_MS },
          async (lease: Lease) => {
            await lease.complete(undefined);
            completed++;
          },
        );
      },
      pollMs,
    ),
  );
  await consumer?.stop();
  return { enqueuePerSec, processPerSec, ...costs };
}

/** An idle consumer of the started adapter's queue 'idle'; `close` stops it (the adapter stays open). */
export function adapterLatencyProbe(adapter: QueueAdapter): LatencyProbe {
  const latency = new StartLatency();
  const idle = adapter.consume(
    ['idle'],
    { concurrency: 1, leaseDurationMs: LEASE_MS },
    async (lease: Lease) => {
      latency.record();
      await lease.complete(undefined);
    },
  );
  return { latency, enqueueOne: () => adapter.enqueue([noopJob('idle')]), close: () => idle.stop() };
}
