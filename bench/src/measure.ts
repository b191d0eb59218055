/**
 * The measurement skeleton every backend script repeats for each contender:
 * time a bulk enqueue, time processing a backlog queued beforehand, and sample
 * the idle enqueue-to-start latency one job at a time.
 */
import type { CpuCost } from './cpu-cost.ts';
import { percentile } from './stats.ts';
import { sleep, until } from './wait.ts';

/** The figures a side-by-side script reports per contender. */
export interface Measure {
  enqueuePerSec: number;
  processPerSec: number;
  p50Ms: number;
  p95Ms: number;
  /** CPU per job of the bulk enqueue and of the processing, where the script measures it. */
  enqueueCost?: CpuCost;
  processCost?: CpuCost;
}

/** Processing a backlog longer than this is reported as a failure, not as a slow rate. */
const PROCESS_TIMEOUT_MS = 120_000;
/** Pause between latency samples, so each finds the worker idle again. */
const SAMPLE_GAP_MS = 20;

/** Times enqueueing `jobs` jobs in batches of at most `batchSize`; returns jobs/s. */
export async function timeBulkEnqueue(
  jobs: number,
  batchSize: number,
  enqueueBatch: (count: number) => Promise<unknown>,
): Promise<number> {
  const started = performance.now();
  for (let done = 0; done < jobs; done += batchSize) await enqueueBatch(Math.min(batchSize, jobs - done));
  return jobs / ((performance.now() - started) / 1000);
}

/**
 * Times processing `jobs` queued beforehand: calls `start` (which starts the
 * consumer), then waits until `completed()` reaches `jobs`; returns jobs/s.
 */
export async function timeProcessing(
  jobs: number,
  completed: () => number,
  start: () => unknown,
  pollMs = 1,
): Promise<number> {
  const started = performance.now();
  await start();
  if (!(await until(() => completed() >= jobs, PROCESS_TIMEOUT_MS, pollMs)))
    throw new Error(`only ${completed()} of ${jobs} jobs processed within ${PROCESS_TIMEOUT_MS / 1000} s`);
  return jobs / ((performance.now() - started) / 1000);
}

/**
 * Idle enqueue-to-start latency: the handler calls `record` on its first
 * line; `measure` enqueues one job at a time into an idle worker.
 */
export class StartLatency {
  readonly samples: number[] = [];
  #sentAt = 0;

  /** An idle job not started within this is a broken wake-up, not a latency sample. */
  readonly sampleTimeoutMs: number;

  /** @param sampleTimeoutMs see {@link StartLatency.sampleTimeoutMs} (default 5 s). */
  constructor(sampleTimeoutMs = 5000) {
    this.sampleTimeoutMs = sampleTimeoutMs;
  }

  /** Call first thing in the handler; an arrow so it can be passed as is. */
  readonly record = (): void => {
    this.samples.push(performance.now() - this.#sentAt);
  };

  /** Waits `settleMs` for the worker to go idle, then takes `count` samples; p50/p95 in ms. */
  async measure(
    count: number,
    enqueueOne: () => Promise<unknown>,
    settleMs: number,
    pollMs = 1,
  ): Promise<LatencyPercentiles> {
    await sleep(settleMs);
    for (let i = 0; i < count; i++) await this.sample(enqueueOne, `idle job ${i + 1} of ${count}`, pollMs);
    return this.percentiles();
  }

  /** Enqueues one job, waits until its handler started, then lets the worker go idle again. */
  async sample(enqueueOne: () => Promise<unknown>, what: string, pollMs = 1): Promise<void> {
    const before = this.samples.length;
    this.#sentAt = performance.now();
    await enqueueOne();
    if (!(await until(() => this.samples.length > before, this.sampleTimeoutMs, pollMs)))
      throw new Error(`${what} did not start within ${this.sampleTimeoutMs} ms`);
    await sleep(SAMPLE_GAP_MS);
  }

  /** p50/p95 of the samples so far, in ms. */
  percentiles(): LatencyPercentiles {
    return { p50Ms: percentile(this.samples, 50), p95Ms: percentile(this.samples, 95) };
  }
}

/** Idle enqueue-to-start percentiles, in ms. */
export interface LatencyPercentiles {
  p50Ms: number;
  p95Ms: number;
}

/** One contender's idle worker, ready for latency samples. */
export interface LatencyProbe {
  /** Its handler calls `latency.record` on its first line. */
  latency: StartLatency;
  enqueueOne: () => Promise<unknown>;
  /** Stops the worker and closes what the probe opened. */
  close: () => Promise<void>;
}

/**
 * The idle latency of several contenders, sampled in turns: sample i of each, in an order
 * rotated per sample. A slow spell of the machine (a neighbour, a core's power state) then
 * falls on every contender alike, where one contender after the other would each meet a
 * different one: on a 2-core VM, runs a few seconds apart differed by 2x. Returns the
 * percentiles per probe, in the probes' order.
 */
export async function measureInterleaved(
  probes: readonly LatencyProbe[],
  count: number,
  settleMs: number,
  pollMs = 1,
): Promise<LatencyPercentiles[]> {
  await sleep(settleMs);
  for (let i = 0; i < count; i++) {
    for (let turn = 0; turn < probes.length; turn++) {
      const index = (i + turn) % probes.length;
      const probe = probes[index] as LatencyProbe;
      await probe.latency.sample(
        probe.enqueueOne,
        `idle job ${i + 1} of ${count} (contender ${index + 1})`,
        pollMs,
      );
    }
  }
  return probes.map((probe) => probe.latency.percentiles());
}
