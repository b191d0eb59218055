/** The public shapes of the yard and its workers. Implementations: `yard.ts`, `worker.ts`. */
import type { QueueAdapter } from './adapter.js';
import type { Clock } from './clock.js';
import type { Duration } from './duration.js';
import type { CancelOutcome, JobCounts, JobPage, JobRecord, ListJobsQuery, ScheduleRecord } from './job.js';
import type { Logger } from './logger.js';
import type { BackoffOption } from './retry.js';
import type { TaskDefinition, TaskHandler } from './task.js';
import type { JobTracer, MetricsRecorder } from './telemetry.js';

/** Options of `createSwitchyard`. */
export interface SwitchyardOptions {
  /** The backend: `memoryAdapter()`, `bullmqAdapter(...)`, `pgBossAdapter(...)`, `sqsAdapter(...)`. */
  adapter: QueueAdapter;
  /** Tasks known to this yard (needed to enqueue by name and to run them). */
  tasks?: TaskDefinition[];
  /** Any pino-compatible logger; silent by default. */
  logger?: Logger;
  /** Time source; inject a `ManualClock` in tests. */
  clock?: Clock;
  /** Randomness for backoff jitter, in [0, 1); inject for deterministic tests. */
  random?: () => number;
  /** Metrics and tracing seams (`@switchyard/core` ships no-op defaults). */
  telemetry?: { metrics?: MetricsRecorder; tracer?: JobTracer };
  /** How long finished jobs are kept before the adapter removes them. Default: forever. */
  retention?: { completed?: Duration; failed?: Duration };
  /** Payload cap in bytes, default 256 KiB (the adapter's own cap wins when lower). */
  maxPayloadBytes?: number;
}

/** Per-enqueue retry override; must be JSON-describable (function backoffs belong on the task). */
export interface EnqueueRetryOptions {
  attempts?: number | 'unlimited';
  backoff?: Exclude<BackoffOption, (...args: any[]) => any>;
}

/** Options of `enqueue`. */
export interface EnqueueOptions {
  /** Run after this long. Mutually exclusive with `runAt`. */
  delay?: Duration;
  /** Run at this time. */
  runAt?: Date;
  /** 0..9, lower first; default the task's. */
  priority?: number;
  /** At most one unfinished job per (task, uniqueKey); a second enqueue throws `DuplicateJobError`. */
  uniqueKey?: string;
  retry?: EnqueueRetryOptions;
  timeout?: Duration;
  /** Override the task's queue. */
  queue?: string;
  /** Join the caller's transaction (adapters with `transactionalEnqueue`). */
  tx?: unknown;
  /** String metadata stored on the job (e.g. tenant). */
  metadata?: Record<string, string>;
}

/** A schedule to create or replace. Exactly one of `cron` / `every`. */
export interface ScheduleInput {
  key: string;
  task: TaskDefinition | string;
  /** Cron, 5 fields or 6 with seconds first. */
  cron?: string;
  every?: Duration;
  /** IANA time zone for cron, default 'UTC'. */
  tz?: string;
  payload?: unknown;
  priority?: number;
  queue?: string;
  metadata?: Record<string, string>;
}

/** Job queries and operations. */
export interface YardJobs {
  get(id: string): Promise<JobRecord | null>;
  list(query?: ListJobsQuery): Promise<JobPage>;
  counts(query?: { queue?: string }): Promise<JobCounts>;
  cancel(id: string): Promise<CancelOutcome>;
  /** failed/cancelled → pending with a fresh attempt budget; emits `job:enqueued`. Null when the job can't be retried. */
  retry(id: string): Promise<JobRecord | null>;
  remove(id: string): Promise<boolean>;
  /** Resolves with the job once it is completed, failed or cancelled; rejects with `WaitTimeoutError`. */
  waitFor(id: string, options?: { timeout?: Duration; pollInterval?: Duration }): Promise<JobRecord>;
}

/** Queue pause/resume. */
export interface YardQueues {
  pause(queue: string): Promise<void>;
  resume(queue: string): Promise<void>;
  isPaused(queue: string): Promise<boolean>;
  list(): Promise<string[]>;
}

/** Schedules (cron or fixed interval). */
export interface YardSchedules {
  upsert(input: ScheduleInput): Promise<ScheduleRecord>;
  get(key: string): Promise<ScheduleRecord | null>;
  list(): Promise<ScheduleRecord[]>;
  pause(key: string): Promise<boolean>;
  resume(key: string): Promise<boolean>;
  remove(key: string): Promise<boolean>;
}

/** Events, with their payloads. */
export interface SwitchyardEvents {
  'job:enqueued': { job: JobRecord };
  'job:started': { job: JobRecord };
  'job:progress': { job: JobRecord; progress: unknown };
  'job:completed': { job: JobRecord; result: unknown; durationMs: number };
  'job:retrying': { job: JobRecord; error: Error; runAt: Date };
  'job:failed': { job: JobRecord; error: Error };
  'job:cancelled': { job: JobRecord };
  'job:stalled': { job: JobRecord };
  'worker:error': { error: Error };
}

/** A typed listener registry. `on` returns an unsubscribe function. */
export interface EventSource {
  on<E extends keyof SwitchyardEvents>(
    event: E,
    listener: (payload: SwitchyardEvents[E]) => void,
  ): () => void;
  off<E extends keyof SwitchyardEvents>(event: E, listener: (payload: SwitchyardEvents[E]) => void): void;
}

/** Options of `yard.createWorker`. */
export interface WorkerOptions {
  /** Queues to take jobs from; default: every queue of the yard's tasks. */
  queues?: string[];
  /** Hard cap on running handlers, default 10. */
  concurrency?: number;
  /** Lease length; renewed every third of it while a handler runs. Default '30s'. */
  leaseDuration?: Duration;
  /** Run the schedule loop in this worker (exactly-once per tick across workers). Default true. */
  scheduler?: boolean;
  /** How often the schedule loop looks for due schedules. Default '1s'. */
  schedulerInterval?: Duration;
}

/** A worker: takes leases from the adapter and runs handlers. */
export interface Worker extends EventSource {
  /** Registers (or replaces) the handler of a task, e.g. for producer-only definitions. */
  handle<I, P, R>(task: TaskDefinition<I, P, R>, handler: TaskHandler<P, R>): this;
  start(): Promise<void>;
  /** Stops taking jobs, waits up to `timeout` for running ones, then aborts them and releases their leases. */
  stop(options?: { timeout?: Duration }): Promise<void>;
  /** Calls `stop()` on SIGTERM/SIGINT. Returns a function that removes the listeners. */
  stopOnSignals(options?: { timeout?: Duration; signals?: NodeJS.Signals[] }): () => void;
  /** Handlers running now. */
  readonly activeCount: number;
  readonly concurrency: number;
}

/** The yard: one per process, bound to one adapter. */
export interface Switchyard extends EventSource {
  readonly adapter: QueueAdapter;
  start(): Promise<void>;
  /** Stops every worker this yard created, then closes the adapter. */
  close(): Promise<void>;
  /** Validates and stores one job. Throws `ValidationError`, `DuplicateJobError`, `PayloadTooLargeError`, `UnknownTaskError`, `CapabilityError`. */
  enqueue<I>(
    task: TaskDefinition<I, any, any>,
    payload: I,
    options?: EnqueueOptions,
  ): Promise<{ id: string }>;
  enqueue(task: string, payload: unknown, options?: EnqueueOptions): Promise<{ id: string }>;
  /** Validates every payload first (nothing is written if one is invalid), then stores them in one batch. */
  enqueueMany<I>(
    task: TaskDefinition<I, any, any>,
    payloads: I[],
    options?: Omit<EnqueueOptions, 'uniqueKey'>,
  ): Promise<{ id: string }[]>;
  enqueueMany(
    task: string,
    payloads: unknown[],
    options?: Omit<EnqueueOptions, 'uniqueKey'>,
  ): Promise<{ id: string }[]>;
  readonly jobs: YardJobs;
  readonly queues: YardQueues;
  readonly schedules: YardSchedules;
  createWorker(options?: WorkerOptions): Worker;
  /** Registered tasks by name. */
  readonly tasks: ReadonlyMap<string, TaskDefinition>;
}
