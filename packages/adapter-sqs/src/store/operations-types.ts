/**
 * What a job-state store keeps for the operations contract (`specVersion: 2`): live workers,
 * the job-event bus, throughput history, queue statistics, and the primitives search and
 * bulk actions are built from. The adapter wraps these into core's interfaces.
 */
import type { EventBus, HistoryBucket, HistoryCell, JobCounts, JobState } from '@switchyard/core';
import type { StoredJob } from './types.js';

/** One step of a search: walk the ids newest first, keeping jobs whose indexed fields match. */
export interface JobScan {
  /** Only ids strictly older (smaller) than this one: the cursor. */
  before?: string;
  /** Most ids to examine in this step (at least 1). */
  examine: number;
  /** Stop as soon as this many jobs passed the indexed-field filter (at least 1). */
  want: number;
  /** Only jobs in one of these states. */
  states?: JobState[];
  queue?: string;
  task?: string;
  /** Only finished jobs whose `finishedAt` is before this (epoch ms, exclusive). */
  finishedBefore?: number;
  /** Only jobs created at or after this (epoch ms). */
  createdAfter?: number;
  /** Only jobs created before this (epoch ms, exclusive). */
  createdBefore?: number;
  /**
   * Only jobs whose stored data contains every one of these strings: a cheap necessary
   * condition the adapter derives from its own encoding (it still checks the decoded record).
   */
  contains?: string[];
}

/** What one scan step found. */
export interface JobScanResult {
  /** Jobs that passed the indexed-field filter, newest first. */
  jobs: StoredJob[];
  /** Ids examined (at most `examine`). */
  examined: number;
  /** The last id examined: the next step continues below it. Undefined when none was. */
  last?: string;
  /** True when no id older than `last` is left to examine. */
  exhausted: boolean;
}

/** One queue's counts, oldest pending job and pause flag, read in one step. */
export interface StoredQueueStats {
  queue: string;
  counts: JobCounts;
  /** Smallest `runAt` (epoch ms) among the queue's pending jobs, null when none is pending. */
  oldestPendingRunAt: number | null;
  paused: boolean;
}

/** Which history cells to read: `at` in `[fromMs, toMs)`, stored per minute or per hour. */
export interface HistoryRange {
  fromMs: number;
  toMs: number;
  bucket: HistoryBucket;
}

/** The operations part of a `JobStateStore`. */
export interface StoreOperations {
  /**
   * One search step over the store's id indexes (see `JobScan`). Picks the smallest index
   * that the states, queue or task filter allows and examines at most `examine` ids.
   */
  scanJobs(scan: JobScan): Promise<JobScanResult>;
  /** Deletes each job of `ids` whose state is still one of `states`, atomically; returns the ids deleted. */
  deleteJobsIn(ids: string[], states: JobState[]): Promise<string[]>;
  /** Every remembered queue with its counts, oldest pending `runAt` and pause flag. */
  queueStats(): Promise<StoredQueueStats[]>;

  /** Inserts or refreshes a worker's entry (opaque data), live until `expiresAtMs`. */
  putWorker(id: string, data: string, expiresAtMs: number): Promise<void>;
  /** Deletes a worker's entry. */
  removeWorker(id: string): Promise<void>;
  /** The data of every worker whose entry expires after `nowMs` (expired ones are deleted). */
  listWorkers(nowMs: number): Promise<string[]>;

  /** The bus carrying job events between every process that shares the store. */
  readonly events: EventBus;

  /**
   * Adds each cell's counts to the stored minute cell and hour cell of its (queue, task),
   * in one round trip. `retentionMs` bounds how long the cells live.
   */
  recordHistory(cells: HistoryCell[], retentionMs: number): Promise<void>;
  /** Stored cells of the range (minute cells for '1m', hour cells for '1h'), every queue and task. */
  readHistory(range: HistoryRange): Promise<HistoryCell[]>;
  /** Deletes cells whose bucket ends at or before `cutoffMs`; returns how many buckets went. */
  pruneHistory(cutoffMs: number): Promise<number>;
}
