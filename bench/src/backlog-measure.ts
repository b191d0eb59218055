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

const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 10_000);
const WINDOW = Math.min(BACKLOG, Number(process.env.BENCH_WINDOW ?? 10_000));
export const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const ENQUEUE_SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const INSERT_BATCH = 5000;
const LEASE_MS = 60_000;
const POLL_MS = 2;

/** BENCH_LOG=1 prints the adapter's warnings and errors. */
const benchLogger: Logger = process.env.BENCH_LOG
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

/** What one contender does; `measureBacklog` runs the same steps for each. */
export interface BacklogSubject {
  /** Start of its row's name ("switchyard", "raw pg-boss"); the backlog is appended. */
  system: string;
  /** How it is configured, for the notes column. */
  note: string;
  /** Enqueues `count` no-op jobs on the queue `bulk`. */
  enqueueBatch(count: number): Promise<unknown>;
  /** Enqueues one job on another queue (the latency probe). */
  enqueueOne(): Promise<unknown>;
  /** Starts consuming `bulk`, calling `finished(n)` as n jobs complete. */
  startConsumer(finished: (count: number) => void): unknown;
  /** Stops consuming and waits for what was already taken. */
  stopConsumer(): Promise<void>;
}

/** Fill the backlog, sample single enqueues with it in place, time processing the window. */
export async function measureBacklog(subject: BacklogSubject): Promise<BacklogRow> {
  for (let done = 0; done < BACKLOG; done += INSERT_BATCH)
    await subject.enqueueBatch(Math.min(INSERT_BATCH, BACKLOG - done));
  const times: number[] = [];
  for (let i = 0; i < ENQUEUE_SAMPLES + 10; i++) {
    const started = performance.now();
    await subject.enqueueOne();
    if (i >= 10) times.push(performance.now() - started);
  }
  let completed = 0;
  const processPerSec = await timeProcessing(
    WINDOW,
    () => completed,
    () =>
      subject.startConsumer((count) => {
        completed += count;
      }),
    POLL_MS,
  );
  await subject.stopConsumer();
  return {
    system: `${subject.system}, ${BACKLOG} queued`,
    processPerSec,
    enqueueP50: percentile(times, 50),
    enqueueP99: percentile(times, 99),
    note: `${subject.note}; ${WINDOW} of ${BACKLOG} queued processed`,
  };
}

/** The measurement through a Switchyard adapter's contract (leases, no core); the caller closes it. */
export async function adapterBacklogRow(adapter: QueueAdapter): Promise<BacklogRow> {
  await adapter.start({ logger: benchLogger, clock: systemClock, retention: {} });
  let inFlight = 0;
  let consumer: Consumer | undefined;
  return measureBacklog({
    system: 'switchyard',
    note: `concurrency ${CONCURRENCY}`,
    enqueueBatch: (count) => adapter.enqueue(Array.from({ length: count }, () => noopJob('bulk'))),
    enqueueOne: () => adapter.enqueue([noopJob('probe')]),
    startConsumer(finished) {
      consumer = adapter.consume(
        ['bulk'],
        { concurrency: CONCURRENCY, leaseDurationMs: LEASE_MS },
        async (lease: Lease) => {
          inFlight++;
          try {
            await lease.complete(undefined);
            finished(1);
          } finally {
            inFlight--;
          }
        },
      );
    },
    async stopConsumer() {
      await consumer?.stop();
      // Leases handed out before stop() stay live: let them settle before the caller closes the adapter.
      await until(() => inFlight === 0, 30_000, POLL_MS);
    },
  });
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
