/** The public shapes of the yard and its workers. Implementations: `yard.ts`, `worker.ts`. */
import type { QueueAdapter } from './adapter.js';
import type { BulkOptions, BulkProgress, CleanOptions } from './bulk.js';
import type { Clock } from './clock.js';
import type { Duration } from './duration.js';
import type { ClusterEventListener, SubscribeOptions } from './event-subscriptions.js';
import type { SpoolStatus } from './fallback.js';
import type { FallbackSpool } from './fallback-spool.js';
import type { YardFlows } from './flow-api.js';
import type { FlowNode, FlowOptions } from './flow-definition.js';
import type { HistoryQuery, HistoryResult } from './history.js';
import type { CancelOutcome, JobCounts, JobPage, JobRecord, ListJobsQuery, ScheduleRecord } from './job.js';
import type { Logger } from './logger.js';
import type { BackoffOption } from './retry.js';
import type { ShutdownSignal } from './shutdown-signal.js';
import type { SpoolConflict } from './spool-relay.js';
import type { StatsSummary } from './stats-summary.js';
import type { TaskDefinition, TaskHandler } from './task.js';
import type { TaskInfo } from './task-catalog.js';
import type { JobTracer, MetricsRecorder } from './telemetry.js';
import type { RateLimit } from './throttle.js';
import type { WorkerInfo } from './worker-presence.js';

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
  /**
   * Longest a call that needs the backend (enqueue, jobs.*, queues.*, schedules.*, stats,
   * workers) waits before it throws `BackendUnavailableError`. Default '10s'.
   */
  backendTimeout?: Duration;
  /**
   * Throughput history (`stats.history`): how long the backend keeps it (default '7d'), how
   * often each process adds its counts (default '1s'), and whether this process records what
   * its workers finish (default true). Needs an adapter of specVersion 2.
   */
  history?: { retention?: Duration; flushInterval?: Duration; record?: boolean };
  /**
   * Where `enqueue` keeps jobs while the backend is unavailable: `spool({ path })`. Spooled
   * jobs are forwarded in enqueue order once the backend answers; `enqueue` then resolves
   * with `{ id, spooled: true }` instead of throwing `BackendUnavailableError`.
   */
  fallback?: FallbackSpool;
  /** Called when a spooled job's unique key is held by another job by the time it is relayed (it is dropped). */
  onSpoolConflict?: (conflict: SpoolConflict) => void | Promise<void>;
  /**
   * Publish this process's job events to the backend so `subscribe` in any process sees them
   * (default true with an adapter of specVersion 2). Off saves one small write per batch of events
   * and the work of building and encoding each job's events: on BullMQ a tenth to a fifth of the Node
   * CPU per no-op job, with history (docs/operations.md, "Cost"); real handlers make the share smaller.
   */
  publishEvents?: boolean;
  /**
   * Rate limits per queue, across every worker of the cluster (`{ emails: { max: 10, per: '1s' } }`):
   * every job of the queue counts, whatever its task; jobs over the limit wait without consuming
   * an attempt. Needs `capabilities.throttle`; every process running workers must pass the same limits.
   */
  queueRateLimits?: Record<string, RateLimit>;
}

/** Per-enqueue retry override; must be JSON-describable (function backoffs belong on the task). */
export interface EnqueueRetryOptions {
  attempts?: number | 'unlimited';
  backoff?: Exclude<BackoffOption, (...args: any[]) => any>;
}

/** What `enqueue` resolves with. */
export interface EnqueueResult {
  id: string;
  /** The backend was unavailable: the job waits in the fallback spool and is forwarded later. */
  spooled?: true;
}

/** Options of `enqueue`. */
export interface EnqueueOptions {
  /**
   * The job's id (a UUID, e.g. from `newJobId()`); default: a fresh UUIDv7. Enqueueing again
   * with the same id is idempotent (it resolves with that id and writes nothing), so an
   * enqueue that failed with `BackendUnavailableError` can be retried safely.
   */
  id?: string;
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
  /**
   * Resolves with the job once it is completed, failed or cancelled; rejects with `WaitTimeoutError`.
   * Woken by cluster events where the adapter has them; `pollInterval` re-reads as a backstop.
   */
  waitFor(id: string, options?: { timeout?: Duration; pollInterval?: Duration }): Promise<JobRecord>;
  /**
   * Retries, cancels or removes every job matching a filter, in batches (never all in memory),
   * skipping jobs whose state changed since they were listed. An empty filter needs `all: true`.
   */
  bulk(options: BulkOptions): Promise<BulkProgress>;
  /** Removes jobs of a finished state that finished longer ago than `olderThan`, in batches. */
  clean(options: CleanOptions): Promise<BulkProgress>;
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
  /**
   * Runs the schedule's task now, once, without moving its next tick. Resolves with the new
   * job's id, or null when no schedule has that key.
   */
  trigger(key: string): Promise<{ id: string } | null>;
}

/** Live workers of the whole cluster. */
export interface YardWorkers {
  /** Every worker of every process that heartbeated within its grace, oldest first. */
  list(): Promise<WorkerInfo[]>;
}

/** Queue statistics and throughput history. */
export interface YardStats {
  /** Per queue: counts per state, oldest pending age, paused, live workers, jobs per minute (last 5 minutes). */
  summary(): Promise<StatsSummary>;
  /** Completed, failed and retried counts with p50/p95 run time per bucket, for the whole cluster. */
  history(query: HistoryQuery): Promise<HistoryResult>;
}

/** The registered tasks: a map by name, plus `list()` with settings and payload JSON Schema. */
export interface TaskCatalog extends ReadonlyMap<string, TaskDefinition> {
  list(): TaskInfo[];
}

/** Events, with their payloads. */
export interface SwitchyardEvents {
  'job:enqueued': {
    job: JobRecord /** True when a manual `jobs.retry` put the job back. */;
    retry?: boolean;
  };
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
  /**
   * After how long without a heartbeat the worker drops out of `yard.workers.list()` (its
   * process died). Default: three heartbeats (a heartbeat is a third of `leaseDuration`).
   */
  deadAfter?: Duration;
}

/** A worker: takes leases from the adapter and runs handlers. */
export interface Worker extends EventSource {
  /** Registers (or replaces) the handler of a task, e.g. for producer-only definitions. */
  handle<I, P, R>(task: TaskDefinition<I, P, R>, handler: TaskHandler<P, R>): this;
  start(): Promise<void>;
  /** Stops taking jobs, waits up to `timeout` for running ones, then aborts them and releases their leases. */
  stop(options?: { timeout?: Duration }): Promise<void>;
  /** Calls `stop()` on SIGTERM/SIGINT. Returns a function that removes the listeners. */
  stopOnSignals(options?: { timeout?: Duration; signals?: ShutdownSignal[] }): () => void;
  /** Handlers running now. */
  readonly activeCount: number;
  readonly concurrency: number;
}

/** The yard: one per process, bound to one adapter. */
export interface Switchyard extends EventSource {
  readonly adapter: QueueAdapter;
  /** The logger given to `createSwitchyard` (silent by default), for front ends that log through the yard (audit lines). */
  readonly logger: Logger;
  start(): Promise<void>;
  /** Stops every worker this yard created, then closes the adapter. */
  close(): Promise<void>;
  /** Validates and stores one job. Throws `ValidationError`, `DuplicateJobError`, `PayloadTooLargeError`, `UnknownTaskError`, `CapabilityError`. */
  enqueue<I>(
    task: TaskDefinition<I, any, any>,
    payload: NoInfer<I>,
    options?: EnqueueOptions,
  ): Promise<EnqueueResult>;
  enqueue(task: string, payload: unknown, options?: EnqueueOptions): Promise<EnqueueResult>;
  /** Validates every payload first (nothing is written if one is invalid), then stores them in one batch. */
  enqueueMany<I>(
    task: TaskDefinition<I, any, any>,
    payloads: NoInfer<I>[],
    options?: Omit<EnqueueOptions, 'uniqueKey' | 'id'>,
  ): Promise<EnqueueResult[]>;
  enqueueMany(
    task: string,
    payloads: unknown[],
    options?: Omit<EnqueueOptions, 'uniqueKey' | 'id'>,
  ): Promise<EnqueueResult[]>;
  /** The fallback spool's depth and oldest age (`enabled: false` without one). */
  readonly spool: { status(): Promise<SpoolStatus> };
  readonly jobs: YardJobs;
  readonly queues: YardQueues;
  readonly schedules: YardSchedules;
  /** Live workers of every process (specVersion 2 adapters). */
  readonly workers: YardWorkers;
  /** Queue statistics and throughput history (specVersion 2 adapters). */
  readonly stats: YardStats;
  /**
   * Receives the job events of every process on this backend, in per-job causal order,
   * filtered by queue and task. A `gap` event means some may have been missed: re-read.
   * Resolves once live with a function that unsubscribes. Needs an adapter of specVersion 2.
   */
  subscribe(listener: ClusterEventListener, options?: SubscribeOptions): Promise<() => Promise<void>>;
  createWorker(options?: WorkerOptions): Worker;
  /**
   * Creates a flow (`chain`, `group`, `chord` of `step`s) and enqueues its first steps.
   * Everything is checked first (typed errors, nothing written). Steps are ordinary jobs.
   */
  flow(root: FlowNode, options?: FlowOptions): Promise<{ id: string }>;
  /** Reads, waits for and cancels flows. */
  readonly flows: YardFlows;
  /** Registered tasks by name; `tasks.list()` describes them (settings, payload JSON Schema). */
  readonly tasks: TaskCatalog;
}
