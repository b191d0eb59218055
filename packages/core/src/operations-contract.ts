/**
 * The operations part of the adapter contract (`specVersion: 2`): what the REST API,
 * the dashboard and the CLI need from a backend, so they work the same on every
 * adapter. Adapters only store and move data here; core encodes, validates,
 * aggregates and orders it (one place, identical on every backend).
 */
import type { JobCounts, JobPage, JobState, NormalizedListQuery } from './job.js';

/**
 * A transport for cluster-wide job events. Core publishes encoded batches (opaque
 * strings, each at most `maxMessageBytes`) and decodes what subscribers receive.
 * It is a notification stream, not a source of truth: a subscriber that may have
 * missed messages is told so through `gap`, and re-reads what it cares about.
 */
export interface EventBus {
  /** Largest message the transport carries, in bytes (PostgreSQL NOTIFY: under 8000). */
  readonly maxMessageBytes: number;
  /**
   * Optional: false when nobody can be listening (an in-process bus with no subscriber),
   * so core skips building events. Durable transports omit it: another process may listen.
   */
  hasSubscribers?(): boolean;
  /** Sends one message to every current subscriber of the backend (all processes). */
  publish(message: string): Promise<void>;
  /**
   * Starts receiving. Resolves once the subscription is live: anything published after
   * that is delivered (or a `gap` is reported). `from` asks to resume at a position
   * previously given to `message`, that message included; a bus that keeps no log, or
   * no longer holds that position, calls `gap` first and goes on live.
   */
  subscribe(handler: EventBusHandler, options?: { from?: string }): Promise<EventBusSubscription>;
}

/** What a bus calls on a subscriber. Neither may throw into the bus. */
export interface EventBusHandler {
  /** One published message; `position` is a resumable id where the backend keeps a log. */
  message(message: string, position?: string): void;
  /** Messages may have been missed (disconnect, trimmed log, cannot resume). */
  gap(reason: string): void;
}

/** A live subscription. */
export interface EventBusSubscription {
  close(): Promise<void>;
}

/**
 * Live workers, stored in the backend so every process sees every worker. Entries are
 * opaque JSON written by core; an entry past `expiresAt` is dead (its process stopped
 * heartbeating) and must not be returned by `list` (adapters may delete it lazily).
 */
export interface WorkerRegistry {
  /** Inserts or refreshes one worker's entry. */
  put(id: string, data: string, expiresAt: Date): Promise<void>;
  /** Deletes one worker's entry (graceful stop). */
  remove(id: string): Promise<void>;
  /** Every entry whose `expiresAt` is after `now`. */
  list(now: Date): Promise<string[]>;
}

/**
 * One cell of throughput history: what finished in one minute for one (queue, task).
 * `durations[i]` counts attempts whose run time fell in bucket `i` of
 * `DURATION_BUCKETS_MS` (the last slot counts everything above the largest bound).
 */
export interface HistoryCell {
  /** Start of the bucket, epoch ms (a whole minute, or a whole hour when read with `'1h'`). */
  at: number;
  queue: string;
  task: string;
  completed: number;
  failed: number;
  retried: number;
  durations: number[];
}

/** Throughput history, kept by the backend for the configured window. */
export interface HistoryStore {
  /** Adds each cell's counts to the stored cell (increments). One round trip where the backend allows. */
  record(cells: HistoryCell[]): Promise<void>;
  /**
   * Cells with `at` in `[from, to)`, for one queue and/or task when given. With bucket `'1h'`
   * an adapter may return hourly cells it keeps, or minute cells: core sums them into buckets.
   */
  read(query: HistoryReadQuery): Promise<HistoryCell[]>;
}

/** What `HistoryStore.read` is asked for. */
export interface HistoryReadQuery {
  from: Date;
  to: Date;
  bucket: HistoryBucket;
  queue?: string;
  task?: string;
}

/** Buckets offered by `stats.history`. */
export type HistoryBucket = '1m' | '1h';

/** One queue's state, read from the backend (true across every process). */
export interface QueueSnapshot {
  queue: string;
  counts: JobCounts;
  /** When the oldest job that is ready to run (state pending) became runnable; null when none. */
  oldestPendingAt: Date | null;
  paused: boolean;
}

/** Queue-level statistics. */
export interface StatsStore {
  /** Every known queue (see `QueueControl.list`) with its counts, oldest pending job and pause flag. */
  queues(): Promise<QueueSnapshot[]>;
}

/** What a bulk action does to each job. */
export type BulkAction = 'retry' | 'cancel' | 'remove';

/** What `JobStoreV2.bulk` changed. */
export interface BulkOutcome {
  /** Ids whose job changed (retried, cancelled or removed). */
  changed: string[];
  /** Ids of running jobs whose cancel was requested (their holder aborts them). */
  requested: string[];
}

/** The job queries and actions an adapter of `specVersion: 2` adds. */
export interface JobStoreOperations {
  /**
   * Lists jobs matching a validated filter, newest first. An adapter examines at most
   * `query.scanLimit` stored jobs for one page: when that budget runs out before the page
   * is full it returns what it found with a `nextCursor` to continue from.
   */
  list(query: NormalizedListQuery): Promise<JobPage>;
  /**
   * Applies `action` to each job of `ids` whose state is still one of `onlyIn`; jobs in
   * another state (changed since they were listed) or gone are skipped, never clobbered.
   * `retry`: failed/cancelled → pending with a fresh attempt budget; `cancel`: scheduled,
   * pending or retrying → cancelled, running → cancel requested; `remove`: deleted.
   */
  bulk(ids: string[], action: BulkAction, onlyIn: JobState[]): Promise<BulkOutcome>;
}
