/**
 * What the commands need from a backend, in one interface with two implementations:
 * `DirectConnection` over the app's yard (`--config`) and `RemoteConnection` over the
 * REST API (`--url`). Values are JSON-shaped (dates as ISO strings), exactly what
 * `--json` prints and what the REST API returns, so both connections print the same.
 */
import type { BulkAction, BulkProgress, CancelOutcome, HistoryBucket, JobState } from '@switchyard/core';

// The JSON shapes are the REST API's: what `--json` prints is what the API returns.
import type {
  HistoryJson,
  JobJson,
  JobPageJson,
  Jsonified,
  QueueJson,
  ScheduleJson,
  StatsSummaryJson,
  TaskJson,
  WorkerJson,
} from '@switchyard/http/client';

/** The filter of `jobs list` and `jobs bulk` (dates already parsed). */
export interface JobFilterInput {
  state?: JobState[];
  queue?: string;
  task?: string;
  createdAfter?: Date;
  createdBefore?: Date;
  metadata?: Record<string, string>;
}

/** Options of `jobs enqueue`. */
export interface EnqueueInput {
  delayMs?: number;
  priority?: number;
  uniqueKey?: string;
  queue?: string;
  metadata?: Record<string, string>;
}

/** A bulk action request. */
export interface BulkInput {
  action: BulkAction;
  filter: JobFilterInput;
  /** Required when the filter is empty. */
  all: boolean;
  batchSize?: number;
}

/** A clean request: remove finished jobs older than `olderThanMs`. */
export interface CleanInput {
  state: JobState;
  olderThanMs: number;
  queue?: string;
  batchSize?: number;
}

/** A history query. */
export interface HistoryInput {
  from: Date;
  to: Date;
  bucket: HistoryBucket;
  queue?: string;
  task?: string;
}

/** The operations every command is written against. */
export interface Connection {
  /** How this connection reaches the backend, for messages (`bullmq via ./switchyard.config.ts`). */
  readonly description: string;
  tasks(): Promise<TaskJson[]>;
  enqueue(task: string, payload: unknown, options: EnqueueInput): Promise<{ id: string }>;
  getJob(id: string): Promise<JobJson | null>;
  listJobs(filter: JobFilterInput, page: { limit: number; cursor?: string }): Promise<JobPageJson>;
  cancelJob(id: string): Promise<CancelOutcome>;
  /** Null when the job exists but cannot be retried (it is not failed or cancelled). */
  retryJob(id: string): Promise<JobJson | null>;
  removeJob(id: string): Promise<boolean>;
  /** Resolves once the job is completed, failed or cancelled; rejects on timeout. */
  waitJob(id: string, timeoutMs: number): Promise<JobJson>;
  /** `onProgress` is called after each page where the connection can report it. */
  bulk(input: BulkInput, onProgress: (progress: BulkProgress) => void): Promise<BulkProgress>;
  clean(input: CleanInput, onProgress: (progress: BulkProgress) => void): Promise<BulkProgress>;
  stats(): Promise<StatsSummaryJson>;
  history(input: HistoryInput): Promise<HistoryJson>;
  workers(): Promise<WorkerJson[]>;
  queues(): Promise<QueueJson[]>;
  pauseQueue(queue: string): Promise<void>;
  resumeQueue(queue: string): Promise<void>;
  schedules(): Promise<ScheduleJson[]>;
  /** False when no schedule has this key. */
  pauseSchedule(key: string): Promise<boolean>;
  resumeSchedule(key: string): Promise<boolean>;
  removeSchedule(key: string): Promise<boolean>;
  /** Null when no schedule has this key. */
  triggerSchedule(key: string): Promise<{ id: string } | null>;
  close(): Promise<void>;
}

/** A value as `--json` prints it (dates as ISO strings, undefined fields dropped). */
export function toJson<T>(value: T): Jsonified<T> {
  return JSON.parse(JSON.stringify(value)) as Jsonified<T>;
}
