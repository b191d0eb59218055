/**
 * Pure translation between pg-boss's job rows and Switchyard's `JobRecord`:
 * priority (pg-boss runs higher numbers first, Switchyard lower), state
 * (pg-boss has no "scheduled" or "pending": they are `created` before / after
 * `start_after`), and decoding with a clear `MalformedJobError` for a row
 * that cannot be read.
 */
import {
  type BackoffSpec,
  type JobRecord,
  type JobState,
  MalformedJobError,
  type SerializedError,
} from '@switchyard/core';
import type { Row } from './database.js';

/** pg-boss's job_state enum. */
export type PgBossState = 'created' | 'retry' | 'active' | 'completed' | 'cancelled' | 'failed';

/** Highest Switchyard priority (lowest urgency). */
const MAX_PRIORITY = 9;

/** Switchyard priority (0 first) → pg-boss priority (higher first). */
export function toPgBossPriority(priority: number): number {
  return MAX_PRIORITY - priority;
}

/** pg-boss priority → Switchyard priority. */
export function fromPgBossPriority(priority: number): number {
  return MAX_PRIORITY - priority;
}

/** The Switchyard state of a pg-boss row at `now`. */
export function toJobState(state: PgBossState, startAfterMs: number, now: number): JobState {
  switch (state) {
    case 'created':
      return startAfterMs > now ? 'scheduled' : 'pending';
    case 'retry':
      return startAfterMs > now ? 'retrying' : 'pending';
    case 'active':
      return 'running';
    default:
      return state;
  }
}

/** The SQL predicate (on table alias `j`, with `now` as parameter `$nowParam`) selecting Switchyard `state`. */
export function statePredicate(state: JobState, nowParam: string): string {
  switch (state) {
    case 'scheduled':
      return `j.state = 'created' AND j.start_after > ${nowParam}`;
    case 'retrying':
      return `j.state = 'retry' AND j.start_after > ${nowParam}`;
    case 'pending':
      return `j.state IN ('created', 'retry') AND j.start_after <= ${nowParam}`;
    case 'running':
      return `j.state = 'active'`;
    default:
      return `j.state = '${state}'`;
  }
}

/** Columns every job read selects (alias `j`). `no_output` tells a stored JSON `null` result from no result. */
export const JOB_COLUMNS = `j.id, j.name, j.data, j.priority, j.state, j.retry_count, j.start_after, j.created_on,
  j.started_on, j.completed_on, j.output, (j.output IS NULL) AS no_output, j.singleton_key, j.sy_task,
  j.sy_max_attempts, j.sy_options, j.sy_metadata, j.sy_progress, j.sy_error, j.sy_cancel_requested,
  j.sy_redelivered, j.sy_lease_token, j.retry_limit, j.retry_delay, j.retry_backoff`;

/** The row shape `JOB_COLUMNS` yields. */
export interface JobRow extends Row {
  id: string;
  name: string;
  data: unknown;
  priority: number;
  state: PgBossState;
  retry_count: number;
  start_after: Date;
  created_on: Date;
  started_on: Date | null;
  completed_on: Date | null;
  output: unknown;
  no_output: boolean;
  singleton_key: string | null;
  sy_task: unknown;
  sy_max_attempts: number | null;
  sy_options: unknown;
  sy_metadata: unknown;
  sy_progress: unknown;
  sy_error: unknown;
  sy_cancel_requested: boolean;
  sy_redelivered: boolean;
  sy_lease_token: string | null;
  /** pg-boss's retry settings, read for rows a plain pg-boss producer wrote (foreign-jobs.ts). */
  retry_limit: number;
  retry_delay: number;
  retry_backoff: boolean;
}

/** Per-job options Switchyard stores in `sy_options`. */
interface StoredOptions {
  backoff?: BackoffSpec;
  timeoutMs?: number;
}

/** A decoded row: the record, plus the decoding error when the row is corrupt. */
export interface DecodedJob {
  job: JobRecord;
  malformed?: MalformedJobError;
}

/**
 * Decodes a row. A corrupt row still yields a record (id, queue, state and
 * whatever else could be read) so core can fail it, with `malformed` set.
 */
export function decodeJob(row: JobRow, now: number): DecodedJob {
  const problems: string[] = [];
  const task = typeof row.sy_task === 'string' && row.sy_task.length > 0 ? row.sy_task : undefined;
  if (!task) problems.push('task is missing');
  const metadata = decodeMetadata(row.sy_metadata, problems);
  const options = decodeOptions(row.sy_options, problems);
  const error = row.sy_error === null ? undefined : decodeError(row.sy_error, problems);

  const job: JobRecord = {
    id: row.id,
    task: task ?? '',
    queue: row.name,
    payload: row.data,
    priority: fromPgBossPriority(row.priority),
    createdAt: row.created_on,
    runAt: row.start_after,
    maxAttempts: row.sy_max_attempts,
    metadata,
    state: toJobState(row.state, row.start_after.getTime(), now),
    attempt: row.retry_count,
  };
  if (options.backoff) job.backoff = options.backoff;
  if (options.timeoutMs !== undefined) job.timeoutMs = options.timeoutMs;
  if (row.singleton_key !== null) job.uniqueKey = row.singleton_key;
  if (row.started_on) job.startedAt = row.started_on;
  if (row.completed_on) job.finishedAt = row.completed_on;
  if (!row.no_output) job.result = row.output;
  if (error) job.error = error;
  if (row.sy_progress !== null) job.progress = row.sy_progress;
  if (row.sy_cancel_requested) job.cancelRequested = true;

  if (problems.length === 0) return { job };
  return {
    job,
    malformed: new MalformedJobError(
      `job ${row.id} in queue "${row.name}" could not be decoded: ${problems.join('; ')}`,
    ),
  };
}

function decodeMetadata(value: unknown, problems: string[]): Record<string, string> {
  if (value === null || value === undefined) return {};
  if (!isPlainObject(value)) {
    problems.push(`metadata is not an object (${JSON.stringify(value)?.slice(0, 80)})`);
    return {};
  }
  const metadata: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry === 'string') metadata[key] = entry;
    else problems.push(`metadata "${key}" is not a string`);
  }
  return metadata;
}

function decodeOptions(value: unknown, problems: string[]): StoredOptions {
  if (value === null || value === undefined) return {};
  if (!isPlainObject(value)) {
    problems.push('options are not an object');
    return {};
  }
  const options: StoredOptions = {};
  if (value.timeoutMs !== undefined) {
    if (typeof value.timeoutMs === 'number') options.timeoutMs = value.timeoutMs;
    else problems.push('timeoutMs is not a number');
  }
  if (value.backoff !== undefined) {
    if (isPlainObject(value.backoff) && typeof value.backoff.type === 'string')
      options.backoff = value.backoff as BackoffSpec;
    else problems.push('backoff is not a backoff description');
  }
  return options;
}

function decodeError(value: unknown, problems: string[]): SerializedError | undefined {
  if (isPlainObject(value) && typeof value.name === 'string' && typeof value.message === 'string') {
    return value as unknown as SerializedError;
  }
  problems.push('stored error is not an error object');
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
