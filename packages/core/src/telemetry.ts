/**
 * Seams for metrics and tracing. Core calls them; `@switchyard/core` ships
 * no-op defaults, and Prometheus / OpenTelemetry implementations plug in here
 * (`@switchyard/prometheus`, `@switchyard/otel`).
 */
import { SwitchyardError } from './errors.js';
import type { JobRecord, NewJob } from './job.js';

/** Labels on every job metric. */
export interface JobLabels {
  queue: string;
  task: string;
  /**
   * Only on `jobs_failed_total`: the error's name, bounded to core's typed error names
   * (`JobTimeoutError`, `NonRetryableError`, ...) and `Error` for anything else (see `errorLabel`).
   */
  error?: string;
}

/** The job counters core increments. */
export type JobCounterName =
  | 'jobs_enqueued_total'
  | 'jobs_completed_total'
  | 'jobs_retried_total'
  | 'jobs_failed_total'
  | 'jobs_cancelled_total'
  /** A job delivered again because the worker holding it lost its lease (crashed or hung). */
  | 'jobs_stalled_total'
  /** A spooled job dropped at relay time because another job held its unique key (`onSpoolConflict`). */
  | 'jobs_spool_conflicts_total';

/** Labels of the per-worker gauges: the worker's id (`worker-…`, unique per worker). */
export interface WorkerLabels {
  worker: string;
}

/** A worker's gauges, read by `MetricsRecorder.observeWorker`. */
export interface WorkerGaugeValues {
  worker_active_jobs: number;
  worker_concurrency: number;
}

/** Receives metric updates. Names follow API.md §9 without the `switchyard_` prefix. */
export interface MetricsRecorder {
  increment(name: JobCounterName, labels: JobLabels): void;
  /**
   * `job_duration_seconds`: one attempt's run time. `job_wait_seconds`: from when the job
   * became runnable (its `runAt`) to the start of the attempt.
   */
  observe(name: 'job_duration_seconds' | 'job_wait_seconds', seconds: number, labels: JobLabels): void;
  /** Per-worker gauges, pushed on every change (when the recorder has no `observeWorker`). */
  setWorkerGauge(
    name: 'worker_active_jobs' | 'worker_concurrency',
    value: number,
    labels: WorkerLabels,
  ): void;
  /**
   * Optional, preferred: the recorder reads a worker's gauges itself when it collects, so
   * core does not push `worker_active_jobs` twice per job. Called once when the worker starts.
   */
  observeWorker?(labels: WorkerLabels, read: () => WorkerGaugeValues): void;
  /** Optional: the worker stopped; drop its gauges (and its `observeWorker` reader). */
  forgetWorker?(labels: WorkerLabels): void;
}

/** How one attempt ended, for spans. */
export type AttemptOutcome = 'completed' | 'retrying' | 'failed' | 'cancelled' | 'abandoned';

/** Who calls the tracer: fixed per yard (enqueues) or per worker (attempts). */
export interface TelemetryScope {
  /** The adapter's name: 'memory' | 'bullmq' | 'pgboss' | 'sqs' | a third-party name. */
  adapter: string;
  /** The worker's id, for attempts. */
  worker?: string;
}

/** The producer span of one job. */
export interface EnqueueSpan {
  /**
   * Metadata to store on the job (the trace context); core merges it into `job.metadata`.
   * Read when the span is returned and possibly handed to the adapter as it is (shared by
   * the jobs of a batch that get the same span): never change it afterwards.
   */
  metadata: Record<string, string>;
  /** Called once the backend accepted (or refused) the job; `error` is set when it did not store it. */
  end(error?: unknown): void;
}

/** The consumer span of one attempt. */
export interface AttemptSpan {
  end(outcome: AttemptOutcome, error?: unknown): void;
  /** Runs the handler inside the span's context, so the handler's own spans nest under it. */
  run<T>(fn: () => T): T;
}

/** The spans of one bulk enqueue: one per job, and the batch's own. */
export interface EnqueueBatchSpan {
  /** One span per job, in the order of the jobs. */
  jobs: EnqueueSpan[];
  /** Ends the batch span; `error` is set when the backend stored none of the jobs or refused some. */
  end(error?: unknown): void;
}

/** A PRODUCER span at enqueue and a CONSUMER span per attempt, OpenTelemetry-shaped. */
export interface JobTracer {
  /** Starts the producer span; returns metadata to store on the job (trace context) and a finisher. */
  startEnqueue(job: NewJob, scope: TelemetryScope): EnqueueSpan;
  /**
   * Optional: a bulk enqueue of several jobs (`enqueueMany`). Returns one span per job
   * (same order, used instead of `startEnqueue`) and the finisher of a span for the batch;
   * undefined to fall back to one `startEnqueue` per job.
   */
  startEnqueueBatch?(jobs: readonly NewJob[], scope: TelemetryScope): EnqueueBatchSpan | undefined;
  /** Starts the consumer span for one attempt, parented to the context in `job.metadata`. */
  startAttempt(job: JobRecord, scope: TelemetryScope): AttemptSpan;
}

/** Metrics that go nowhere. */
export const noopMetrics: MetricsRecorder = {
  increment() {},
  observe() {},
  setWorkerGauge() {},
};

/** Spans that go nowhere. */
const noopAttemptSpan: AttemptSpan = { end() {}, run: <T>(fn: () => T): T => fn() };

/** Shared by every job: the enqueue hot path allocates nothing when tracing is off. */
const noopEnqueueSpan: EnqueueSpan = { metadata: Object.freeze({}) as Record<string, string>, end() {} };

export const noopTracer: JobTracer = {
  startEnqueue: () => noopEnqueueSpan,
  startAttempt: () => noopAttemptSpan,
};

/** The typed error class of each code: the bounded set of `error` label values (plus `Error`). */
const ERROR_NAME_OF_CODE: Readonly<Record<string, string>> = {
  VALIDATION_FAILED: 'ValidationError',
  DUPLICATE_JOB: 'DuplicateJobError',
  PAYLOAD_TOO_LARGE: 'PayloadTooLargeError',
  UNKNOWN_TASK: 'UnknownTaskError',
  CAPABILITY_UNSUPPORTED: 'CapabilityError',
  INVALID_OPTIONS: 'InvalidOptionsError',
  JOB_TIMEOUT: 'JobTimeoutError',
  JOB_CANCELLED: 'JobCancelledError',
  LEASE_EXPIRED: 'LeaseExpiredError',
  NOT_STARTED: 'NotStartedError',
  CLOSED: 'ClosedError',
  ADAPTER_ERROR: 'AdapterError',
  NON_RETRYABLE: 'NonRetryableError',
  RETRY_AFTER: 'RetryAfterError',
  MALFORMED_JOB: 'MalformedJobError',
  HANDLER_ERROR: 'HandlerError',
  WAIT_TIMEOUT: 'WaitTimeoutError',
};

/**
 * The `error` label of a failure: the name of core's typed error class for a Switchyard
 * error (subclasses map to their base class by `code`), `Error` for anything else. Bounded,
 * so a handler throwing ad-hoc errors cannot blow up the number of series.
 */
export function errorLabel(error: unknown): string {
  if (!SwitchyardError.is(error)) return 'Error';
  return ERROR_NAME_OF_CODE[error.code] ?? 'Error';
}

/** Where guarded telemetry reports a recorder or tracer that threw (once per method). */
export interface TelemetryErrorSink {
  error(obj: object, msg?: string): void;
}

/**
 * Wraps user-supplied telemetry so that a recorder or tracer that throws never breaks
 * an enqueue or a job: the call is skipped (or a no-op span used) and the first failure
 * of each method is logged. The no-op defaults are returned as they are, so core's
 * `=== noopMetrics` / `=== noopTracer` shortcuts keep the hot path free.
 */
export function guardTelemetry(
  telemetry: { metrics?: MetricsRecorder; tracer?: JobTracer } | undefined,
  logger: TelemetryErrorSink,
): { metrics: MetricsRecorder; tracer: JobTracer } {
  const reported = new Set<string>();
  const report = (what: string, error: unknown): void => {
    if (reported.has(what)) return;
    reported.add(what);
    logger.error(
      { err: error, telemetry: what },
      `switchyard: ${what} threw; telemetry may be incomplete, jobs go on (logged once)`,
    );
  };
  const metrics = telemetry?.metrics;
  const tracer = telemetry?.tracer;
  return {
    metrics: metrics === undefined || metrics === noopMetrics ? noopMetrics : guardMetrics(metrics, report),
    tracer: tracer === undefined || tracer === noopTracer ? noopTracer : guardTracer(tracer, report),
  };
}

type Report = (what: string, error: unknown) => void;

/** A label value core could not read (a malformed job's missing task, say). */
class LabelValueError extends TypeError {
  constructor(label: string, value: unknown) {
    super(`metric label "${label}" is ${typeof value}, not a string; recorded as "${labelText(value)}"`);
    this.name = 'LabelValueError';
  }
}

function labelText(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return 'unknown';
}

/** Labels with every value a string, so a malformed job still counts (under `unknown`). */
function stringLabels(labels: JobLabels, report: Report): JobLabels {
  if (typeof labels.queue === 'string' && typeof labels.task === 'string') return labels;
  const fixed: JobLabels = { ...labels };
  for (const key of ['queue', 'task'] as const) {
    const value: unknown = labels[key];
    if (typeof value !== 'string') {
      report('a metric label', new LabelValueError(key, value));
      fixed[key] = labelText(value);
    }
  }
  return fixed;
}

function guardMetrics(metrics: MetricsRecorder, report: Report): MetricsRecorder {
  const guarded: MetricsRecorder = {
    increment(name, labels) {
      try {
        metrics.increment(name, stringLabels(labels, report));
      } catch (error) {
        report('metrics.increment', error);
      }
    },
    observe(name, seconds, labels) {
      try {
        metrics.observe(name, seconds, stringLabels(labels, report));
      } catch (error) {
        report('metrics.observe', error);
      }
    },
    setWorkerGauge(name, value, labels) {
      try {
        metrics.setWorkerGauge(name, value, labels);
      } catch (error) {
        report('metrics.setWorkerGauge', error);
      }
    },
    forgetWorker(labels) {
      try {
        metrics.forgetWorker?.(labels);
      } catch (error) {
        report('metrics.forgetWorker', error);
      }
    },
  };
  // Present only when the recorder has it: core pushes the gauges otherwise.
  if (metrics.observeWorker) {
    guarded.observeWorker = (labels, read) => {
      try {
        metrics.observeWorker!(labels, read);
      } catch (error) {
        report('metrics.observeWorker', error);
      }
    };
  }
  return guarded;
}

function guardTracer(tracer: JobTracer, report: Report): JobTracer {
  const guardEnqueue = reusingLast(guardEnqueueSpan, report);
  const guardAttempt = reusingLast(guardAttemptSpan, report);
  const guarded: JobTracer = {
    startEnqueue(job, scope) {
      try {
        return guardEnqueue(tracer.startEnqueue(job, scope));
      } catch (error) {
        report('tracer.startEnqueue', error);
        return noopEnqueueSpan;
      }
    },
    startAttempt(job, scope) {
      try {
        return guardAttempt(tracer.startAttempt(job, scope));
      } catch (error) {
        report('tracer.startAttempt', error);
        return noopAttemptSpan;
      }
    },
  };
  if (tracer.startEnqueueBatch) {
    const startBatch = tracer.startEnqueueBatch.bind(tracer);
    guarded.startEnqueueBatch = (jobs, scope) => {
      let batch: EnqueueBatchSpan | undefined;
      try {
        batch = startBatch(jobs, scope);
      } catch (error) {
        report('tracer.startEnqueueBatch', error);
        return undefined;
      }
      if (batch === undefined) return undefined;
      const endBatch = (error?: unknown): void => {
        try {
          batch.end(error);
        } catch (endError) {
          report('the batch span end()', endError);
        }
      };
      if (!Array.isArray(batch.jobs) || batch.jobs.length !== jobs.length) {
        const error = new TypeError(
          `startEnqueueBatch returned ${batch.jobs?.length} spans for ${jobs.length} jobs; one span per job is used instead`,
        );
        report('tracer.startEnqueueBatch', error);
        endBatch(error);
        return undefined;
      }
      return { jobs: batch.jobs.map(guardEnqueue), end: endBatch };
    };
  }
  return guarded;
}

/**
 * `guard` with its last wrapper kept: a tracer that hands one span to many jobs (the jobs of
 * a bulk enqueue whose trace head sampling dropped) gets one wrapper, not one per job.
 * The wrappers hold no state of their own, so sharing one is safe.
 */
function reusingLast<S>(guard: (span: S, report: Report) => S, report: Report): (span: S) => S {
  let lastSpan: S | undefined;
  let lastGuarded: S | undefined;
  return (span) => {
    if (lastGuarded === undefined || span !== lastSpan) {
      lastGuarded = guard(span, report);
      lastSpan = span;
    }
    return lastGuarded;
  };
}

/** Keeps only string metadata: the adapter stores it as the job's string map. */
function guardEnqueueSpan(span: EnqueueSpan, report: Report): EnqueueSpan {
  let metadata = span?.metadata;
  if (metadata === null || typeof metadata !== 'object') {
    report('the enqueue span metadata', new TypeError(`metadata is ${typeof metadata}, not an object`));
    metadata = noopEnqueueSpan.metadata;
  } else {
    for (const key in metadata) {
      if (typeof metadata[key] !== 'string') {
        report('the enqueue span metadata', new TypeError(`metadata "${key}" is not a string; dropped`));
        metadata = Object.fromEntries(
          Object.entries(metadata).filter(([, value]) => typeof value === 'string'),
        );
        break;
      }
    }
  }
  return {
    metadata,
    end(error) {
      try {
        span.end(error);
      } catch (endError) {
        report('the enqueue span end()', endError);
      }
    },
  };
}

function guardAttemptSpan(span: AttemptSpan, report: Report): AttemptSpan {
  return {
    end(outcome, error) {
      try {
        span.end(outcome, error);
      } catch (endError) {
        report('the attempt span end()', endError);
      }
    },
    run<T>(fn: () => T): T {
      // The handler must run exactly once and its own throw must reach core untouched.
      // Assigned inside the callback, so typed wide: control flow cannot see those assignments.
      let phase = 'before' as 'before' | 'running' | 'returned' | 'threw';
      let result: T | undefined;
      let thrown: unknown;
      try {
        return span.run(() => {
          phase = 'running';
          try {
            result = fn();
            phase = 'returned';
            return result;
          } catch (error) {
            phase = 'threw';
            thrown = error;
            throw error;
          }
        });
      } catch (error) {
        if (phase === 'threw' && error === thrown) throw error;
        report('the attempt span run()', error);
        if (phase === 'returned') return result as T;
        if (phase === 'threw') throw thrown;
        return fn();
      }
    },
  };
}
