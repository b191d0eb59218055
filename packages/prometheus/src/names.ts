/**
 * Every metric this package exports: name (without the prefix), type, labels and help
 * text, in one table. The recorder, the queue gauges, the docs and the Grafana dashboard
 * test all read it, so a name cannot drift between them.
 */
import { InvalidOptionsError, type JobCounterName } from '@switchyard/core';

/** The default prefix of every metric name. */
export const DEFAULT_PREFIX = 'switchyard_';

/** One exported metric. */
export interface MetricSpec {
  type: 'counter' | 'histogram' | 'gauge';
  labels: readonly string[];
  help: string;
}

/** The job counters core increments, with their labels. */
export const JOB_COUNTERS: Readonly<Record<JobCounterName, MetricSpec>> = {
  jobs_enqueued_total: {
    type: 'counter',
    labels: ['queue', 'task'],
    help: 'Jobs stored by the backend (enqueued, or put back by a manual retry).',
  },
  jobs_completed_total: {
    type: 'counter',
    labels: ['queue', 'task'],
    help: 'Jobs whose handler returned; the job is completed.',
  },
  jobs_retried_total: {
    type: 'counter',
    labels: ['queue', 'task'],
    help: 'Attempts that failed and were scheduled to run again.',
  },
  jobs_failed_total: {
    type: 'counter',
    labels: ['queue', 'task', 'error'],
    help: 'Jobs failed permanently (attempts exhausted or a non-retryable error), by error name.',
  },
  jobs_cancelled_total: {
    type: 'counter',
    labels: ['queue', 'task'],
    help: 'Jobs cancelled before or while running.',
  },
  jobs_stalled_total: {
    type: 'counter',
    labels: ['queue', 'task'],
    help: 'Jobs delivered again after the worker holding them lost its lease (crashed or hung).',
  },
  jobs_spool_conflicts_total: {
    type: 'counter',
    labels: ['queue', 'task'],
    help: 'Spooled jobs dropped at relay time because another unfinished job held their unique key.',
  },
};

/** The two histograms, in seconds. */
export const JOB_HISTOGRAMS = {
  job_duration_seconds: {
    type: 'histogram',
    labels: ['queue', 'task'],
    help: 'Run time of one attempt of a job, in seconds.',
  },
  job_wait_seconds: {
    type: 'histogram',
    labels: ['queue', 'task'],
    help: 'Time from when a job became runnable to the start of its attempt (queue latency), in seconds.',
  },
} as const satisfies Record<string, MetricSpec>;

/** Per-worker gauges, labelled by worker id. */
export const WORKER_GAUGES = {
  worker_active_jobs: {
    type: 'gauge',
    labels: ['worker'],
    help: 'Handlers running now in this worker.',
  },
  worker_concurrency: {
    type: 'gauge',
    labels: ['worker'],
    help: 'Most handlers this worker runs at once.',
  },
} as const satisfies Record<string, MetricSpec>;

/** Queue gauges, read from the backend at scrape time, plus the scrape's error counter. */
export const QUEUE_METRICS = {
  queue_jobs: {
    type: 'gauge',
    labels: ['queue', 'state'],
    help: 'Jobs in the queue by state, as the backend reports them at scrape time.',
  },
  queue_oldest_pending_seconds: {
    type: 'gauge',
    labels: ['queue'],
    help: 'Age of the oldest runnable job in the queue, in seconds (absent when none waits).',
  },
  queue_paused: {
    type: 'gauge',
    labels: ['queue'],
    help: 'Whether the queue is paused (1) or not (0).',
  },
  scrape_errors_total: {
    type: 'counter',
    labels: [],
    help: 'Scrapes whose queue gauges could not be read from the backend in time (the gauges are left out).',
  },
} as const satisfies Record<string, MetricSpec>;

/** Job-duration buckets in seconds: 5 ms to 15 minutes (the default task timeout). */
export const DEFAULT_DURATION_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900,
];

/** Queue-wait buckets in seconds: 5 ms to 1 hour. */
export const DEFAULT_WAIT_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600,
];

// Colons are legal in metric names but reserved for recording rules (promtool flags them).
const PREFIX_PATTERN = /^([a-zA-Z_][a-zA-Z0-9_]*)?$/;

/** Checks a metric-name prefix (empty, or a valid start of a Prometheus metric name, no colon). */
export function checkPrefix(prefix: unknown): string {
  if (typeof prefix !== 'string' || !PREFIX_PATTERN.test(prefix)) {
    throw new InvalidOptionsError(
      `prefix must be empty or match [a-zA-Z_][a-zA-Z0-9_]* (Prometheus metric names; colons are for recording rules), got ${JSON.stringify(prefix)}`,
    );
  }
  return prefix;
}

/** Checks histogram buckets: finite, strictly increasing, at least one. */
export function checkBuckets(buckets: unknown, option: string): number[] {
  const ok =
    Array.isArray(buckets) &&
    buckets.length > 0 &&
    buckets.every(
      (bound, index) =>
        typeof bound === 'number' && Number.isFinite(bound) && (index === 0 || bound > buckets[index - 1]),
    );
  if (!ok) {
    throw new InvalidOptionsError(
      `${option} must be a non-empty array of finite, strictly increasing numbers (seconds), got ${JSON.stringify(buckets)}`,
    );
  }
  return [...(buckets as number[])];
}

/** Every metric family name this package can export under `prefix`, with its spec. */
export function exportedMetrics(prefix = DEFAULT_PREFIX): Map<string, MetricSpec> {
  const all = { ...JOB_COUNTERS, ...JOB_HISTOGRAMS, ...WORKER_GAUGES, ...QUEUE_METRICS };
  return new Map(Object.entries(all).map(([name, spec]) => [`${checkPrefix(prefix)}${name}`, spec]));
}
