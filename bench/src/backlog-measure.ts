/**
 * The backlog measurement every backend's backlog script repeats (issue 22): N no-op
 * jobs queued first, then one consumer at concurrency BENCH_CONCURRENCY processes
 * BENCH_WINDOW of them; the rate is window ÷ time. Before the consumer starts, the
 * latency of single enqueues (another queue) is sampled with the backlog in place.
 */
import {
  type Consumer,
  type Lease,
  type Logger,
  type QueueAdapter,
  silentLogger,
  systemClock,
} from '@switchyard/core';
import { noopJob } from './adapter-measure.ts';
import { timeProcessing } from './measure.ts';
import { percentile } from './stats.ts';
import { until } from './wait.ts';

export const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 10_000);
export const WINDOW = Math.min(BACKLOG, Number(process.env.BENCH_WINDOW ?? 10_000));
export const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const ENQUEUE_SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const INSERT_BATCH = 5000;
const LEASE_MS = 60_000;
export const POLL_MS = 2;

/** BENCH_LOG=1 prints the adapter's warnings and errors. */
export const benchLogger: Logger = process.env.BENCH_LOG
  ? {
      ...silentLogger,
      warn: (fields: unknown, message?: string) => console.error('WARN', message, fields),
      error: (fields: unknown, message?: string) => console.error('ERROR', message, fields),
    }
  : silentLogger;

/** One printed row. */
export interface BacklogRow {
  system: string;
  processPerSec: number;
  enqueueP50: number;
  enqueueP99: number;
  note: string;
}

/** Enqueues `count` jobs in batches through `enqueueBatch`. */
export async function fill(count: number, enqueueBatch: (count: number) => Promise<unknown>): Promise<void> {
  for (let done = 0; done < count; done += INSERT_BATCH)
    await enqueueBatch(Math.min(INSERT_BATCH, count - done));
}

/** Single-job enqueue latency, p50 / p99 in ms (after 10 warm-up calls). */
export async function enqueueLatency(
  enqueueOne: () => Promise<unknown>,
): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < ENQUEUE_SAMPLES + 10; i++) {
    const started = performance.now();
    await enqueueOne();
    if (i >= 10) times.push(performance.now() - started);
  }
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

/** The measurement through a Switchyard adapter's contract (leases, no core); the caller closes it. */
export async function adapterBacklogRow(adapter: QueueAdapter): Promise<BacklogRow> {
  await adapter.start({ logger: benchLogger, clock: systemClock, retention: {} });
  await fill(BACKLOG, (count) => adapter.enqueue(Array.from({ length: count }, () => noopJob('bulk'))));
  const latency = await enqueueLatency(() => adapter.enqueue([noopJob('probe')]));
  let completed = 0;
  let inFlight = 0;
  let consumer: Consumer | undefined;
  const processPerSec = await timeProcessing(
    WINDOW,
    () => completed,
    () => {
      consumer = adapter.consume(
        ['bulk'],
        { concurrency: CONCURRENCY, leaseDurationMs: LEASE_MS },
        async (lease: Lease) => {
          inFlight++;
          try {
            await lease.complete(undefined);
            completed++;
          } finally {
            inFlight--;
          }
        },
      );
    },
    POLL_MS,
  );
  await consumer?.stop();
  // Leases handed out before stop() stay live: let them settle before the caller closes the adapter.
  await until(() => inFlight === 0, 30_000, POLL_MS);
  return {
    system: `switchyard, ${BACKLOG} queued`,
    processPerSec,
    enqueueP50: latency.p50,
    enqueueP99: latency.p99,
    note: `concurrency ${CONCURRENCY}; ${WINDOW} of ${BACKLOG} queued processed`,
  };
}

/** Which contenders BENCH_ONLY asks for (all when unset). */
export function wanted(name: string): boolean {
  const only = process.env.BENCH_ONLY?.split(',');
  return !only || only.includes(name);
}

/** Prints the rows as the Markdown table the bench runner reads. */
export function printBacklogTable(title: string, rows: BacklogRow[]): void {
  const fmt = (value: number, digits = 0) => value.toFixed(digits);
  console.log(`\n${title}, ${BACKLOG} queued, ${WINDOW} processed (${new Date().toISOString()})\n`);
  console.log('| system | processing jobs/s | enqueue p50 ms | enqueue p99 ms | notes |');
  console.log('|---|---:|---:|---:|---|');
  for (const row of rows)
    console.log(
      `| ${row.system} | ${fmt(row.processPerSec)} | ${fmt(row.enqueueP50, 2)} | ${fmt(row.enqueueP99, 2)} | ${row.note} |`,
    );
}
