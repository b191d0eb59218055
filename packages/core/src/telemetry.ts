/**
 * Seams for metrics and tracing. Core calls them; `@switchyard/core` ships
 * no-op defaults, and Prometheus / OpenTelemetry implementations plug in here.
 */
import type { JobRecord, NewJob } from './job.js';

/** Labels on every job metric. */
export interface JobLabels {
  queue: string;
  task: string;
}

/** Receives metric updates. Names follow API.md §9 without the `switchyard_` prefix. */
export interface MetricsRecorder {
  increment(
    name:
      | 'jobs_enqueued_total'
      | 'jobs_completed_total'
      | 'jobs_retried_total'
      | 'jobs_failed_total'
      | 'jobs_cancelled_total',
    labels: JobLabels,
  ): void;
  observe(name: 'job_duration_seconds' | 'job_wait_seconds', seconds: number, labels: JobLabels): void;
  /** Per-worker gauges. */
  setWorkerGauge(
    name: 'worker_active_jobs' | 'worker_concurrency',
    value: number,
    labels: { worker: string },
  ): void;
}

/** How one attempt ended, for spans. */
export type AttemptOutcome = 'completed' | 'retrying' | 'failed' | 'cancelled' | 'abandoned';

/** A PRODUCER span at enqueue and a CONSUMER span per attempt, OpenTelemetry-shaped. */
export interface JobTracer {
  /** Starts the producer span; returns metadata to store on the job (trace context) and a finisher. */
  startEnqueue(job: NewJob): { metadata: Record<string, string>; end(error?: unknown): void };
  /** Starts the consumer span for one attempt, parented to the context in `job.metadata`. */
  startAttempt(job: JobRecord): {
    end(outcome: AttemptOutcome, error?: unknown): void;
    run<T>(fn: () => T): T;
  };
}

/** Metrics that go nowhere. */
export const noopMetrics: MetricsRecorder = {
  increment() {},
  observe() {},
  setWorkerGauge() {},
};

/** Spans that go nowhere. */
const noopAttemptSpan = { end() {}, run: <T>(fn: () => T): T => fn() };

/** Shared by every job: the enqueue hot path allocates nothing when tracing is off. */
const noopEnqueueSpan = { metadata: Object.freeze({}) as Record<string, string>, end() {} };

export const noopTracer: JobTracer = {
  startEnqueue: () => noopEnqueueSpan,
  startAttempt: () => noopAttemptSpan,
};
