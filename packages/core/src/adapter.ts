/**
 * The versioned adapter contract. An adapter stores jobs and delivers them under
 * leases; it never calls user code. Core runs handlers, decides retries and owns the
 * state machine; the adapter carries out "complete", "retry at T", "fail", "cancelled"
 * and "release" atomically.
 *
 * `specVersion: 1` is the job runtime. `specVersion: 2` adds the operations contract
 * (live workers, cluster-wide events, throughput history, queue statistics, search and
 * bulk actions; see `operations-contract.ts`). Core accepts both and refuses the
 * operations calls on a version 1 adapter with `CapabilityError`.
 */
import type { Clock } from './clock.js';
import type { SerializedError } from './errors.js';
import type {
  CancelOutcome,
  EnqueueOutcome,
  JobCounts,
  JobPage,
  JobRecord,
  JobState,
  NewJob,
  ScheduleRecord,
} from './job.js';
import type { Logger } from './logger.js';
import type {
  EventBus,
  HistoryStore,
  JobStoreOperations,
  StatsStore,
  WorkerRegistry,
} from './operations-contract.js';

/** What an adapter can and cannot do. Core refuses unsupported requests with `CapabilityError`. */
export interface AdapterCapabilities {
  /** Jobs survive a process restart. */
  durable: boolean;
  /** `enqueue(..., { tx })` joins the caller's database transaction. */
  transactionalEnqueue: boolean;
  /** Order among ready jobs: strict (priority, runAt, enqueue order) or best-effort. */
  ordering: 'strict' | 'best-effort';
  /** Largest serialized payload accepted, in bytes. */
  maxPayloadBytes: number;
  /** Longest delay accepted, in ms (`Infinity` where emulated). */
  maxDelayMs: number;
  /** A running job can be cancelled from another process (its holder sees it on heartbeat). */
  crossProcessCancel: boolean;
  /** The adapter fires schedule ticks itself (a native scheduler); core then runs no scheduler loop. */
  nativeScheduler: boolean;
  /** Lease redelivery works across processes (a killed process's job is redelivered). */
  crossProcessLeases: boolean;
  /**
   * Optional: leases offer `failWithin`, so a task's `onFailed` hook runs inside the
   * transaction that marks the job failed and receives it as `tx`. Absent means false.
   */
  failHookInTransaction?: boolean;
  /**
   * Optional: the adapter has a `throttle` store (atomic rate windows and per-key slots
   * shared by every process), so tasks may declare `rateLimit` and `concurrencyKey`.
   * Absent means false.
   */
  throttle?: boolean;
}

/** Settings core passes to `start()`. */
export interface AdapterStartContext {
  logger: Logger;
  clock: Clock;
  /** Keep completed / failed (and cancelled) jobs this long, then remove them. `undefined` = forever. */
  retention: { completedMs?: number; failedMs?: number };
  /**
   * Keep throughput history this long (`specVersion: 2`; core passes it, default 7 days);
   * the adapter's maintenance prunes older cells.
   */
  historyRetentionMs?: number;
}

/** Options for one `consume` call. */
export interface ConsumeOptions {
  /**
   * Hard cap: never more than this many leases held at once. A lease stops counting
   * when it is settled (complete/retry/fail/cancelled/release) or lost.
   */
  concurrency: number;
  /** How long a lease lasts without a heartbeat. Core heartbeats every `leaseDurationMs / 3`. */
  leaseDurationMs: number;
}

/** A running consumer. */
export interface Consumer {
  /** Stop taking new jobs. Resolves once no further `onLease` call will be made. Leases already handed out stay valid. */
  stop(): Promise<void>;
}

/**
 * One delivery of one job to one worker. Exactly one of `complete`, `retry`,
 * `fail`, `cancelled` or `release` settles it; after the lease is lost none
 * of them (nor `progress` or `heartbeat`) may change the job: every write is
 * conditional on this lease (its token), so a worker frozen past its lease
 * cannot touch a job another worker took over (they resolve without effect).
 *
 * A settle that rejects (the backend unreachable) has not settled the lease: while
 * the backend is unavailable core calls the same method again, with the same
 * arguments, until it resolves or the lease would lapse, and the repeat must then
 * take effect exactly as the first call would have (still conditional on the token).
 */
export interface Lease {
  /** The job, already in state `running`, `attempt` already incremented for this delivery. */
  readonly job: JobRecord;
  /** True when the previous delivery of this job lost its lease (worker died or hung). */
  readonly redelivered: boolean;
  /**
   * Set when the stored record could not be decoded (corrupt row, foreign message).
   * `job` then holds what could be read (at least `id`); core fails the job with this
   * error without running any handler, and the worker goes on.
   */
  readonly malformed?: Error;
  /**
   * Aborts when a cancel is requested (reason: `JobCancelledError`) or the lease
   * is lost (reason: `LeaseExpiredError`).
   */
  readonly signal: AbortSignal;
  /**
   * Optional: the same as `signal.aborted`, for an adapter that creates its
   * `AbortSignal` only when someone reads `signal`. Core reads this (when set)
   * instead of `signal.aborted` when an attempt ends.
   */
  readonly aborted?: boolean;
  /**
   * Optional: when this lease was handed out, in epoch ms read from the clock core
   * passed to `start()`. An adapter that calls `onLease` in the same synchronous step
   * as it reads that clock sets it, and core takes it as the attempt's start
   * instead of reading the clock again.
   */
  readonly startedAtMs?: number;
  /** Extends the lease by `leaseDurationMs`; also where cross-process cancel requests are noticed. */
  heartbeat(): Promise<void>;
  /** Stores progress (any JSON). */
  progress(value: unknown): Promise<void>;
  /** running → completed, storing `result` (JSON or undefined). */
  complete(result: unknown): Promise<void>;
  /**
   * Optional synchronous `complete`, for in-process stores: it takes effect before
   * it returns and throws on failure. Core then finishes a synchronous handler
   * without a promise, and its `onLease` returns `ATTEMPT_FINISHED`.
   */
  completeNow?(result: unknown): void;
  /** running → retrying (or pending when `at <= now`), runnable again at `at`. */
  retry(at: Date, error: SerializedError): Promise<void>;
  /** running → failed, permanently. */
  fail(error: SerializedError): Promise<void>;
  /**
   * Optional (`capabilities.failHookInTransaction`): running → failed in one backend
   * transaction that also runs `hook(tx)`, so the hook's writes commit with the status
   * change. When `hook` throws, the transaction rolls back and the job is then marked
   * failed without the hook's writes (the lease is settled either way). When the lease
   * was lost, nothing changes and `hook` is not called (the redelivered job fails again).
   */
  failWithin?(error: SerializedError, hook: (tx: unknown) => Promise<void>): Promise<void>;
  /** running → cancelled. */
  cancelled(): Promise<void>;
  /** running → pending: give the job back (graceful shutdown); the attempt is not consumed. */
  release(): Promise<void>;
}

/**
 * The promise core's `onLease` returns when the attempt was settled before
 * `onLease` returned (see `Lease.completeNow`). An adapter may compare against it
 * to skip waiting on it; treating it as any resolved promise is also correct.
 */
export const ATTEMPT_FINISHED: Promise<void> = Promise.resolve();

/**
 * One atomic throttle check. `rate`: a sliding window of grants kept in time order; granted
 * when fewer than `max` grants lie in `(now - windowMs, now]`, no block (see `block`) lasts
 * past `now`, and no grant later than `now` was recorded (a late request is refused with
 * `retryAt = now`, so grants stay ordered and the window exact). Refused for a full window,
 * with `step = max(1, floor(windowMs / max))` and `frees` the time the oldest counted grant
 * leaves it: `retryAt = frees` when `frees <= now + step` (a start frees at once); otherwise the
 * request joins the key's line, `retryAt = max(frees, previous line retryAt + step)`, so waiting
 * jobs come back one start's share of the window apart instead of all at once. `slot`: granted when
 * `holder` already holds a slot of `key` (its expiry is renewed) or fewer than `max`
 * unexpired holders do; a slot expires `ttlMs` after its last grant unless released.
 */
export type ThrottleRequest =
  | { kind: 'rate'; key: string; max: number; windowMs: number; now: number; member: string }
  | { kind: 'slot'; key: string; max: number; holder: string; ttlMs: number; now: number };

/** What a throttle check answers; `retryAt` (epoch ms) is when asking again may succeed. */
export type ThrottleAnswer = { granted: true } | { granted: false; retryAt: number };

/**
 * The backend's throttling primitive (`capabilities.throttle`): counters every process
 * shares, each check one atomic step (a Lua script, a locked row). Core owns the policy
 * (`throttle.ts`, `throttle-gate.ts`): which keys a job needs and what a refusal does.
 */
export interface ThrottleStore {
  /** Takes one start from a rate window or one slot, atomically, or says when to ask again. */
  acquire(request: ThrottleRequest): Promise<ThrottleAnswer>;
  /** Gives a slot back (no effect when `holder` holds none). */
  release(key: string, holder: string): Promise<void>;
  /** Grants nothing from the rate window `key` before `until` (epoch ms; a later block wins). */
  block(key: string, until: number): Promise<void>;
  /**
   * Settles `lease` (one this adapter handed out) by giving the job back to wait until
   * `at`: running → retrying (pending when `at <= now`), the attempt not consumed, no error
   * recorded, conditional on the lease's token as every settlement is.
   */
  defer(lease: Lease, at: Date): Promise<void>;
}

/** Options for `enqueue`. */
export interface AdapterEnqueueOptions {
  /** The caller's transaction (adapter-specific; only when `capabilities.transactionalEnqueue`). */
  tx?: unknown;
  /**
   * Core generated every job's id for this call, so no job can exist under any of them: the
   * adapter may skip looking for one (a Redis round of work ahead of the write, on BullMQ).
   * Never set for a caller's id, schedule ticks, flows or the spool relay, where one may exist.
   */
  newIds?: boolean;
}

/** The list query a `specVersion: 1` adapter receives: a single state, no search filters. */
export interface ListJobsQueryV1 {
  state?: JobState;
  task?: string;
  queue?: string;
  /** 1..1000 (validated by core). */
  limit?: number;
  cursor?: string;
}

/** Job queries and management. */
export interface JobStore {
  get(id: string): Promise<JobRecord | null>;
  /** Stable cursor pagination, newest first (by id, which is time ordered). */
  list(query: ListJobsQueryV1): Promise<JobPage>;
  counts(query?: { queue?: string }): Promise<JobCounts>;
  /** scheduled/pending/retrying → cancelled; running → cancel requested (holder aborts on heartbeat). */
  cancel(id: string): Promise<CancelOutcome>;
  /** failed/cancelled → pending with a fresh attempt budget (attempt = 0). Returns the new record, or null when not retryable. */
  retry(id: string): Promise<JobRecord | null>;
  /** Deletes a job (and frees its unique key). */
  remove(id: string): Promise<boolean>;
}

/** Queue pause flags, persisted by the backend. */
export interface QueueControl {
  pause(queue: string): Promise<void>;
  resume(queue: string): Promise<void>;
  isPaused(queue: string): Promise<boolean>;
  /** Queues the backend knows about (that ever held a job, or were paused). */
  list(): Promise<string[]>;
}

/** Stored schedules. Core computes ticks; the store makes firing exactly-once with `advance`. */
export interface ScheduleStore {
  /** Insert or replace by key. */
  upsert(schedule: ScheduleRecord): Promise<void>;
  get(key: string): Promise<ScheduleRecord | null>;
  list(): Promise<ScheduleRecord[]>;
  remove(key: string): Promise<boolean>;
  setPaused(key: string, paused: boolean): Promise<boolean>;
  /**
   * Compare-and-set: move `nextRunAt` from `from` to `to` (and `lastRunAt` to `from`)
   * only if it still equals `from`. True for the one caller that won the tick.
   */
  advance(key: string, from: Date, to: Date): Promise<boolean>;
}

/** What every adapter has, whatever its `specVersion`. */
interface AdapterBase {
  /** 'memory' | 'bullmq' | 'pgboss' | 'sqs' | a third-party name. */
  readonly name: string;
  readonly capabilities: AdapterCapabilities;
  start(context: AdapterStartContext): Promise<void>;
  close(): Promise<void>;
  /**
   * Store jobs atomically where the backend allows (all or none). A job whose id
   * exists, or whose (task, uniqueKey) is held by an unfinished job, is reported
   * as `duplicate` and not written; the others are.
   */
  enqueue(jobs: NewJob[], options?: AdapterEnqueueOptions): Promise<EnqueueOutcome[]>;
  /**
   * Deliver ready jobs of `queues` (skipping paused queues) to `onLease`, at most
   * `options.concurrency` unsettled at once, in priority → runAt → enqueue order.
   * `onLease` never rejects; it returns `ATTEMPT_FINISHED` when the lease was settled before it returned.
   */
  consume(queues: string[], options: ConsumeOptions, onLease: (lease: Lease) => Promise<void>): Consumer;
  readonly queues: QueueControl;
  readonly schedules: ScheduleStore;
  /** Throttling counters, when `capabilities.throttle`. */
  readonly throttle?: ThrottleStore;
}

/** A `specVersion: 1` adapter: the job runtime only. */
export interface QueueAdapterV1 extends AdapterBase {
  readonly specVersion: 1;
  readonly jobs: JobStore;
}

/** A `specVersion: 2` adapter: the job runtime plus the operations contract. */
export interface QueueAdapterV2 extends AdapterBase {
  readonly specVersion: 2;
  readonly jobs: Omit<JobStore, 'list'> & JobStoreOperations;
  /** Live workers of every process. */
  readonly workers: WorkerRegistry;
  /** Cluster-wide job events. */
  readonly events: EventBus;
  /** Throughput history. */
  readonly history: HistoryStore;
  /** Queue statistics. */
  readonly stats: StatsStore;
}

/** A Switchyard backend. Build one with a factory (`memoryAdapter()`, `bullmqAdapter(opts)`, ...). */
export type QueueAdapter = QueueAdapterV1 | QueueAdapterV2;

/** The newest contract version core speaks. */
export const LATEST_SPEC_VERSION = 2;
