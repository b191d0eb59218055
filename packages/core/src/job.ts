import type { SerializedError } from './errors.js';

/** Every state a job can be in. */
export type JobState =
  | 'scheduled'
  | 'pending'
  | 'running'
  | 'retrying'
  | 'completed'
  | 'failed'
  | 'cancelled';

/** All states, in lifecycle order (useful for counts and tables). */
export const JOB_STATES: readonly JobState[] = [
  'scheduled',
  'pending',
  'running',
  'retrying',
  'completed',
  'failed',
  'cancelled',
];

/** States a job never leaves by itself (only a manual `retry` moves it on). */
export const TERMINAL_STATES: readonly JobState[] = ['completed', 'failed', 'cancelled'];

/** A JSON-serializable backoff description stored on a job (functions stay on the task definition). */
export type BackoffSpec =
  | { type: 'fixed'; delay: number; jitter?: JitterMode }
  | { type: 'exponential'; delay: number; factor?: number; max?: number; jitter?: JitterMode }
  | { type: 'list'; delays: number[]; jitter?: JitterMode };

/** How a computed delay is randomised: `full` picks in [0, d], `equal` in [d/2, d]. */
export type JitterMode = 'none' | 'full' | 'equal';

/** What core hands an adapter to store: everything is decided, validated and JSON already. */
export interface NewJob {
  /** Core-assigned id (UUID v7-like, time ordered). Adapters must store it as the job's id. */
  id: string;
  task: string;
  queue: string;
  /** The payload as given to enqueue (validated, plain JSON). */
  payload: unknown;
  /** 0..9, lower runs first. */
  priority: number;
  createdAt: Date;
  /** When the job becomes ready; `runAt > now` means state `scheduled`. */
  runAt: Date;
  /** Total attempts allowed, `null` for unlimited. */
  maxAttempts: number | null;
  /** Per-job backoff override; absent means "use the task definition's". */
  backoff?: BackoffSpec;
  /** Per-job timeout override in ms. */
  timeoutMs?: number;
  /** At most one unfinished job per (task, uniqueKey). */
  uniqueKey?: string;
  /** String metadata, including trace context (`traceparent`). */
  metadata: Record<string, string>;
}

/** A job as stored and reported by an adapter. */
export interface JobRecord<Payload = unknown, Result = unknown> extends Omit<NewJob, 'payload'> {
  payload: Payload;
  state: JobState;
  /** Attempts started so far (0 before the first run; incremented on every delivery). */
  attempt: number;
  startedAt?: Date;
  finishedAt?: Date;
  result?: Result;
  /** Why the last attempt failed (states retrying/failed/cancelled). Cleared when the job completes or is manually retried. */
  error?: SerializedError;
  progress?: unknown;
  /** A cancel was requested while the job ran; the holder aborts it on its next heartbeat. */
  cancelRequested?: boolean;
}

/** Result of storing one job. */
export type EnqueueOutcome =
  | { status: 'created'; id: string }
  /** A job with this id, or an unfinished job with this (task, uniqueKey), already exists. */
  | { status: 'duplicate'; id: string; existingJobId: string };

/** What `cancel` did. */
export type CancelOutcome =
  /** The job was scheduled/pending/retrying and is now `cancelled`. */
  | 'cancelled'
  /** The job is running; its holder will abort it and mark it `cancelled`. */
  | 'requested'
  /** The job had already finished; nothing changed. */
  | 'finished'
  | 'not_found';

/** A date filter: a `Date`, an ISO 8601 string or epoch milliseconds. */
export type DateInput = Date | string | number;

/** Filters for `jobs.list` (all combinable with the cursor). */
export interface ListJobsQuery {
  /** One state or several. */
  state?: JobState | JobState[];
  task?: string;
  queue?: string;
  /** Created at or after this time. */
  createdAfter?: DateInput;
  /** Created before this time. */
  createdBefore?: DateInput;
  /** Finished (completed, failed or cancelled) before this time. */
  finishedBefore?: DateInput;
  /** Every given metadata key equals the given string. */
  metadata?: Record<string, string>;
  /** Every given top-level payload key equals the given JSON value. */
  payload?: Record<string, unknown>;
  /** Page size, default 50, max 1000. */
  limit?: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
}

/** The filter part of a list query, validated and normalized by core. */
export interface JobFilter {
  /** Distinct states, at least one when present. */
  states?: JobState[];
  task?: string;
  queue?: string;
  createdAfter?: Date;
  createdBefore?: Date;
  finishedBefore?: Date;
  metadata?: Record<string, string>;
  payload?: Record<string, unknown>;
}

/** What an adapter of `specVersion: 2` receives in `jobs.list`: validated, with defaults applied. */
export interface NormalizedListQuery extends JobFilter {
  /** 1..1000. */
  limit: number;
  cursor?: string;
  /** Most stored jobs the adapter may examine for this page (see `JobStoreOperations.list`). */
  scanLimit: number;
}

/**
 * One page of jobs; pass `nextCursor` to get the next one. Order: newest first by id.
 * A filtered page may hold fewer than `limit` jobs and still have a `nextCursor`: the
 * adapter stopped at its scan budget rather than reading the whole backend.
 */
export interface JobPage {
  jobs: JobRecord[];
  nextCursor?: string;
}

/** Count of jobs per state. */
export type JobCounts = Record<JobState, number>;

/** A stored schedule. `nextRunAt` is the next tick to fire. */
export interface ScheduleRecord {
  key: string;
  task: string;
  queue: string;
  /** Cron expression (5 or 6 fields). Exactly one of `cron` / `everyMs` is set. */
  cron?: string;
  /** Fixed interval in ms. */
  everyMs?: number;
  /** IANA time zone for cron, default 'UTC'. */
  tz?: string;
  payload: unknown;
  /** Options for each job the schedule creates. */
  jobOptions: {
    priority?: number;
    maxAttempts?: number | null;
    timeoutMs?: number;
    metadata?: Record<string, string>;
  };
  paused: boolean;
  nextRunAt: Date;
  lastRunAt?: Date;
  createdAt: Date;
}
