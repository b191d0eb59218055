/**
 * The job-state store: everything SQS cannot answer (records, results, progress,
 * unique keys, cancel flags, pause flags, schedules, counts). SQS only rings the
 * doorbell; the record here is the source of truth. Implementations must make
 * every method atomic on its own (the adapter builds the rest from compare-and-set).
 */
import type { JobCounts, JobState, ThrottleAnswer, ThrottleRequest } from '@switchyard/core';
import type { StoreOperations } from './operations-types.js';

/** Fields the store indexes, kept beside the opaque record so a corrupt record can still be managed. */
export interface JobIndexFields {
  state: JobState;
  queue: string;
  task: string;
  /** Unique key, '' when the job has none. Held while the job is unfinished. */
  uniqueKey: string;
  /** ms since epoch when the job reached a terminal state (used by retention), else undefined. */
  finishedAt?: number;
}

/**
 * A job's lifecycle fields, kept beside the record so a claim can change them without decoding it
 * (a head claim runs inside the store). They win over the copies inside `data`.
 */
export interface JobLifecycle {
  /** Attempts started so far. */
  attempt: number;
  /** When the current (or last) attempt started, epoch ms. */
  startedAt?: number;
  /** Token of the lease that holds the job while it is running. */
  leaseToken?: string;
  /**
   * Strict ordering: the SQS message (MessageId) this waiting job moved off while its own message
   * may not have been sent yet; that message's next receiver sends it again (see `claimHeads`).
   */
  movedOff?: string;
}

/** One job to write: the serialized record plus its indexed and lifecycle fields. */
export interface JobWrite extends JobIndexFields, JobLifecycle {
  id: string;
  /** The serialized record (the adapter's codec; opaque to the store). */
  data: string;
  /** When the job is (or was) due, epoch ms: orders the ready index and `queueStats().oldestPendingRunAt`. */
  runAt: number;
  /** When the job was created, epoch ms (kept from the insert on; searches check it without decoding). */
  createdAt: number;
  /** 0 (most urgent) .. 9: with runAt and the id, the job's place in its queue's ready index. */
  priority: number;
  /**
   * FIFO mode: the job's doorbell is about to be sent (epoch ms): the store remembers it as unrung
   * from then until `markRung`, or until the job is claimed or finishes (see `unrungBefore`).
   */
  unrungSince?: number;
}

/** A stored job as read back. `version` increases on every write (compare-and-set token). */
export interface StoredJob extends JobIndexFields, Partial<JobLifecycle> {
  id: string;
  data: string;
  version: number;
}

/**
 * One received SQS message whose tickets a head claim spends: up to `want` jobs of `queue`, the
 * most urgent first. `recover`: the first use of this receipt of the message, so jobs another
 * receipt claimed and never settled are put back first (their holder lost the message).
 */
export interface TicketSpend {
  queue: string;
  messageId: string;
  /**
   * Names this receipt of the message (unique per receive). Claimed jobs are bound to it, and a
   * recovery puts back only jobs bound under another receipt: two claims of one receipt in flight
   * at once (both recovering) never take each other's jobs.
   */
  receipt: string;
  want: number;
  recover: boolean;
}

/** What a head claim did for one message. */
export interface TicketOutcome {
  /** The queue is paused: nothing was claimed. */
  paused: boolean;
  /** The queue's ready index ran empty while claiming for this message. */
  exhausted: boolean;
  /** Jobs claimed (now running, bound to the message), with their state before the claim. */
  claimed: Array<{ job: StoredJob; previousState: JobState }>;
  /** Waiting jobs that moved off this message with their own message unconfirmed: send it again. */
  unsent: string[];
}

/** A head claim: the messages whose tickets are spent, the clock's now and one lease token per ticket. */
export interface HeadClaim {
  nowMs: number;
  spends: TicketSpend[];
  /** One per ticket wanted, used in order. */
  leaseTokens: string[];
}

/** One compare-and-set write of `claimJobs`. */
export interface VersionedWrite {
  expectedVersion: number;
  job: JobWrite;
}

/** Per write of `claimJobs`: the new version, null when the job is gone or changed, or 'paused'. */
export type ClaimResult = number | null | 'paused';

/** Result of inserting one job: created, or the id of the job that already holds its id/unique key. */
export type InsertResult = { created: true } | { created: false; existingJobId: string };

/**
 * Throttle counters a store may keep (the adapter then declares `capabilities.throttle`): each
 * call atomic across every process sharing the store, with the semantics of core's `ThrottleStore`.
 */
export interface ThrottleCounters {
  /** Takes one start from a rate window or one slot, or says when to ask again. */
  take(request: ThrottleRequest): Promise<ThrottleAnswer>;
  /** Gives a slot back. */
  release(key: string, holder: string): Promise<void>;
  /** Grants nothing from the rate window `key` before `until`; `now` is core's clock. */
  block(key: string, until: number, now: number): Promise<void>;
}

/**
 * Pluggable job-state store used by `sqsAdapter`: the job runtime's records, flags and
 * schedules, plus what the operations contract keeps (`StoreOperations`).
 */
export interface JobStateStore extends StoreOperations {
  /** Short name for logs and errors ('redis', 'memory', ...). */
  readonly name: string;
  /** Shared by every process and kept across restarts (false for the in-memory store). */
  readonly durable: boolean;
  /** Opens connections; called by the adapter's `start()` (idempotent). */
  connect(): Promise<void>;
  /** Releases what the store opened itself (never a client the caller passed in). */
  close(): Promise<void>;
  /**
   * Optional: what makes this store lose jobs (no persistence, evicting keys), one sentence each;
   * the adapter logs them at warn on `start()`. Read-only: it never changes the backend's settings.
   */
  durabilityWarnings?(): Promise<string[]>;
  /** Optional: throttle counters (rate windows, per-key slots) shared like the records. */
  readonly throttle?: ThrottleCounters;

  /** Inserts jobs in one atomic step; a taken id or held unique key makes that job a duplicate. */
  insertJobs(jobs: JobWrite[]): Promise<InsertResult[]>;
  /** One job, or null when it does not exist. */
  getJob(id: string): Promise<StoredJob | null>;
  /** Several jobs in one round trip, in the order asked (null where missing). */
  getJobs(ids: string[]): Promise<Array<StoredJob | null>>;
  /**
   * Compare-and-set on `version`: writes only if the stored version still equals
   * `expectedVersion`. Maintains indexes and counts, frees the unique key when the new
   * state is terminal and takes it again (if free) when it is not. Returns the new
   * version, or null when the job is gone or was changed meanwhile.
   */
  updateJob(expectedVersion: number, job: JobWrite): Promise<number | null>;
  /**
   * Optional fast path for workers: several compare-and-set writes (each like `updateJob`) in
   * one atomic round trip, each refused with 'paused' when its job's queue is paused at that
   * moment. Without it the adapter reads the pause flags and calls `updateJob` per job.
   */
  claimJobs?(writes: VersionedWrite[]): Promise<ClaimResult[]>;
  /** Optional fast path: several `updateJob` writes in one atomic round trip (settlements batched). */
  updateJobs?(writes: VersionedWrite[]): Promise<Array<number | null>>;
  /**
   * Strict ordering (required by `ordering: 'strict'`): in one atomic step per call, for each
   * message (refused with `paused` while its queue is paused): put back the jobs a lost earlier
   * receipt of it still held (`recover`), move due delayed jobs of the queue into its ready index,
   * then claim up to `want` jobs from the head of the ready index (priority, then runAt, then id):
   * running, attempt + 1, a new lease token, bound to the message until they settle.
   */
  claimHeads?(claim: HeadClaim): Promise<TicketOutcome[]>;
  /**
   * Strict ordering's safety net: how many tickets `queue` lacks. When it has ready jobs (due
   * delayed jobs included) and nobody claimed from it for `graceMs`, records a claim at `nowMs`
   * (so the next check waits again) and answers the ready count, at most `cap`; otherwise 0.
   */
  missingTickets?(queue: string, nowMs: number, graceMs: number, cap: number): Promise<number>;
  /** Optional (FIFO mode): the doorbells of these jobs were sent; forget that they might not be. */
  markRung?(ids: string[]): Promise<void>;
  /** Optional (FIFO mode): jobs marked unrung (`JobWrite.unrungSince`) at or before `cutoffMs`, oldest first. */
  unrungBefore?(cutoffMs: number, limit: number): Promise<string[]>;
  /** Deletes a job, its index entries and its unique key. False when it did not exist. */
  deleteJob(id: string): Promise<boolean>;
  /** Count per state, of one queue or of all. */
  countJobs(queue?: string): Promise<JobCounts>;
  /** Ids of terminal jobs that finished at or before `cutoffMs`, oldest first. */
  finishedBefore(cutoffMs: number, limit: number): Promise<string[]>;

  /** Remembers queue names (`queues.list()`). */
  addQueues(queues: string[]): Promise<void>;
  /** Every queue remembered (that held a job, was consumed or paused), sorted. */
  listQueues(): Promise<string[]>;
  /** Sets or clears a queue's pause flag (and remembers the queue). */
  setQueuePaused(queue: string, paused: boolean): Promise<void>;
  /** The queues paused now. */
  pausedQueues(): Promise<Set<string>>;

  /** Stores (or replaces) a schedule. */
  putSchedule(key: string, data: string): Promise<void>;
  /** One schedule, or null. */
  getSchedule(key: string): Promise<string | null>;
  /** Every stored schedule. */
  listSchedules(): Promise<string[]>;
  /** Deletes a schedule; false when there was none. */
  removeSchedule(key: string): Promise<boolean>;
  /** Compare-and-set on the whole stored string. True when it was `expected` and is now `next`. */
  swapSchedule(key: string, expected: string, next: string): Promise<boolean>;
}

/** True for states a job never leaves by itself. */
export function isTerminalState(state: JobState): boolean {
  return state === 'completed' || state === 'failed' || state === 'cancelled';
}

/** A count per state, all zero. */
export function emptyCounts(): JobCounts {
  return { scheduled: 0, pending: 0, running: 0, retrying: 0, completed: 0, failed: 0, cancelled: 0 };
}

/** The lifecycle fields kept beside a record, from their stored strings; none for a record stored before they existed. */
export function lifecycleOf(
  attempt: string | null | undefined,
  startedAt: string | null | undefined,
  leaseToken: string | null | undefined,
  movedOff: string | null | undefined,
): Partial<JobLifecycle> {
  if (attempt === null || attempt === undefined || attempt === '') return {};
  return {
    attempt: Number(attempt),
    ...(startedAt ? { startedAt: Number(startedAt) } : {}),
    ...(leaseToken ? { leaseToken } : {}),
    ...(movedOff ? { movedOff } : {}),
  };
}
