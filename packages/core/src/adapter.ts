/**
 * The versioned adapter contract (`specVersion: 1`). An adapter stores jobs and
 * delivers them under leases; it never calls user code. Core runs handlers,
 * decides retries and owns the state machine; the adapter carries out
 * "complete", "retry at T", "fail", "cancelled" and "release" atomically.
 */
import type { Clock } from './clock.js';
import type { SerializedError } from './errors.js';
import type {
  CancelOutcome,
  EnqueueOutcome,
  JobCounts,
  JobPage,
  JobRecord,
  ListJobsQuery,
  NewJob,
  ScheduleRecord,
} from './job.js';
import type { Logger } from './logger.js';

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
}

/** Settings core passes to `start()`. */
export interface AdapterStartContext {
  logger: Logger;
  clock: Clock;
  /** Keep completed / failed (and cancelled) jobs this long, then remove them. `undefined` = forever. */
  retention: { completedMs?: number; failedMs?: number };
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
 * of them may change the job (they resolve without effect).
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

/** Options for `enqueue`. */
export interface AdapterEnqueueOptions {
  /** The caller's transaction (adapter-specific; only when `capabilities.transactionalEnqueue`). */
  tx?: unknown;
}

/** Job queries and management. */
export interface JobStore {
  get(id: string): Promise<JobRecord | null>;
  /** Stable cursor pagination, newest first (by id, which is time ordered). */
  list(query: ListJobsQuery): Promise<JobPage>;
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

/** A Switchyard backend. Build one with a factory (`memoryAdapter()`, `bullmqAdapter(opts)`, ...). */
export interface QueueAdapter {
  /** 'memory' | 'bullmq' | 'pgboss' | 'sqs' | a third-party name. */
  readonly name: string;
  readonly specVersion: 1;
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
  readonly jobs: JobStore;
  readonly queues: QueueControl;
  readonly schedules: ScheduleStore;
}
