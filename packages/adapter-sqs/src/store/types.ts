/**
 * The job-state store: everything SQS cannot answer (records, results, progress,
 * unique keys, cancel flags, pause flags, schedules, counts). SQS only rings the
 * doorbell; the record here is the source of truth. Implementations must make
 * every method atomic on its own (the adapter builds the rest from compare-and-set).
 */
import type { JobCounts, JobState } from '@switchyard/core';

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

/** One job to write: the serialized record plus its indexed fields. */
export interface JobWrite extends JobIndexFields {
  id: string;
  /** The serialized record (the adapter's codec; opaque to the store). */
  data: string;
}

/** A stored job as read back. `version` increases on every write (compare-and-set token). */
export interface StoredJob extends JobIndexFields {
  id: string;
  data: string;
  version: number;
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

/** Which index `listJobIds` walks (the adapter filters further on the indexed fields). */
export type JobIndex =
  | { kind: 'all' }
  | { kind: 'state'; value: JobState }
  | { kind: 'queue'; value: string }
  | { kind: 'task'; value: string };

/** Pluggable job-state store used by `sqsAdapter`. */
export interface JobStateStore {
  /** Short name for logs and errors ('redis', 'memory', ...). */
  readonly name: string;
  /** Shared by every process and kept across restarts (false for the in-memory store). */
  readonly durable: boolean;
  /** Opens connections; called by the adapter's `start()` (idempotent). */
  connect(): Promise<void>;
  /** Releases what the store opened itself (never a client the caller passed in). */
  close(): Promise<void>;

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
  /** Deletes a job, its index entries and its unique key. False when it did not exist. */
  deleteJob(id: string): Promise<boolean>;
  /** Ids in an index, newest first (ids sort by creation time), strictly older than `before`. */
  listJobIds(index: JobIndex, options: { before?: string; limit: number }): Promise<string[]>;
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
