/**
 * Foreign producers: rows a plain pg-boss `send` (or `insert`, a script, the pg-boss dashboard) added
 * to a queue carry no Switchyard columns (no task). For the queues named in the `foreignJobs` option,
 * a mapping turns such a row into a Switchyard job when a Switchyard worker claims it; core then
 * validates the payload with the task's schema like any other job. The mapped fields are written to
 * the row (it is "adopted"), so retries, `jobs.get` and search see a Switchyard job from then on.
 * Without a mapping, or when the mapping fails, the job is malformed: core fails it, and the row
 * keeps pg-boss's raw `data` for inspection.
 */
import { type BackoffSpec, MalformedJobError } from '@switchyard/core';
import type { JobRow } from './codec.js';
import type { Database } from './database.js';

/** A row pg-boss wrote, as a mapping function sees it (pg-boss's own names). */
export interface PgBossForeignRow {
  id: string;
  /** The queue. */
  name: string;
  /** What the producer passed to `send(name, data)`. */
  data: unknown;
  /** pg-boss's priority: higher runs first. */
  priority: number;
  retryLimit: number;
  /** Seconds. */
  retryDelay: number;
  retryBackoff: boolean;
  singletonKey: string | null;
  createdOn: Date;
  startAfter: Date;
}

/** What a foreign row becomes: the Switchyard fields a mapping function decides. */
export interface ForeignJob {
  /** The task that runs it; its schema validates `payload`. */
  task: string;
  /** The task's payload (stored in the row's `data` in place of what the producer sent). */
  payload: unknown;
  /** 0..9, lower first (default: pg-boss's priority read in the shared column, 9 − priority, within 0..9). */
  priority?: number;
  /** Total attempts, `null` for unlimited (default: pg-boss's `retryLimit` + 1). */
  maxAttempts?: number | null;
  /** Backoff between attempts (default: pg-boss's `retryDelay` / `retryBackoff`). */
  backoff?: BackoffSpec;
  /** Per-job timeout in ms (default: the task's). */
  timeoutMs?: number;
  /** String metadata shown with the job (default none). */
  metadata?: Record<string, string>;
}

/**
 * How the rows of one queue that were not written by Switchyard become Switchyard jobs: a task whose
 * payload is the row's `data` (attempts and backoff taken from pg-boss's retry columns unless given
 * here), or a function of the raw row.
 */
export type ForeignJobMapping =
  | { task: string; maxAttempts?: number | null; backoff?: BackoffSpec; timeoutMs?: number }
  | ((row: PgBossForeignRow) => ForeignJob);

/** `foreignJobs` option: a mapping per queue name. */
export type ForeignJobsOption = Record<string, ForeignJobMapping>;

/** The fields written to an adopted row. */
export interface AdoptedFields {
  task: string;
  /** Replaces `data` when the mapping returned a payload other than the row's data. */
  payload?: unknown;
  /** pg-boss priority column (higher first). */
  pgPriority: number;
  maxAttempts: number | null;
  options: { backoff?: BackoffSpec; timeoutMs?: number } | null;
  metadata: Record<string, string> | null;
}

/** True when a row carries no Switchyard task: something other than Switchyard wrote it. */
export function isForeignRow(row: JobRow): boolean {
  return row.sy_task === null || row.sy_task === undefined;
}

/** The row as a mapping function sees it. */
export function foreignRow(row: JobRow): PgBossForeignRow {
  return {
    id: row.id,
    name: row.name,
    data: row.data,
    priority: row.priority,
    retryLimit: row.retry_limit,
    retryDelay: row.retry_delay,
    retryBackoff: row.retry_backoff,
    singletonKey: row.singleton_key,
    createdOn: row.created_on,
    startAfter: row.start_after,
  };
}

/** pg-boss's retry delay as a backoff: fixed, or doubling when `retryBackoff` is on. */
function producerBackoff(row: PgBossForeignRow): BackoffSpec {
  const delay = Math.max(0, row.retryDelay) * 1000;
  return row.retryBackoff
    ? { type: 'exponential', delay: Math.max(delay, 1000), factor: 2, jitter: 'none' }
    : { type: 'fixed', delay, jitter: 'none' };
}

/**
 * The fields to adopt a foreign row under `mapping` (pure apart from calling the mapping).
 * Throws `MalformedJobError` when the mapping throws or returns something that is not a job.
 */
export function adoptedFields(mapping: ForeignJobMapping, row: JobRow): AdoptedFields {
  const raw = foreignRow(row);
  let mapped: ForeignJob;
  if (typeof mapping === 'function') {
    try {
      mapped = mapping(raw);
    } catch (cause) {
      throw new MalformedJobError(
        `pgboss: the foreignJobs mapping of queue "${row.name}" threw on job ${row.id}: ${(cause as Error)?.message ?? cause}`,
        { cause },
      );
    }
    if (
      typeof mapped !== 'object' ||
      mapped === null ||
      typeof mapped.task !== 'string' ||
      mapped.task === ''
    ) {
      throw new MalformedJobError(
        `pgboss: the foreignJobs mapping of queue "${row.name}" returned no { task, payload } for job ${row.id}`,
      );
    }
  } else {
    mapped = { ...mapping, payload: row.data };
  }
  const priority = mapped.priority;
  if (priority !== undefined && !(Number.isInteger(priority) && priority >= 0 && priority <= 9)) {
    throw new MalformedJobError(
      `pgboss: the foreignJobs mapping of queue "${row.name}" gave job ${row.id} priority ${priority} (0..9)`,
    );
  }
  const options: { backoff?: BackoffSpec; timeoutMs?: number } = {
    backoff: mapped.backoff ?? producerBackoff(raw),
  };
  if (mapped.timeoutMs !== undefined) options.timeoutMs = mapped.timeoutMs;
  const fields: AdoptedFields = {
    task: mapped.task,
    pgPriority: priority === undefined ? Math.min(9, Math.max(0, row.priority)) : 9 - priority,
    maxAttempts: mapped.maxAttempts !== undefined ? mapped.maxAttempts : Math.max(0, raw.retryLimit) + 1,
    options,
    metadata: mapped.metadata && Object.keys(mapped.metadata).length > 0 ? mapped.metadata : null,
  };
  if (mapped.payload !== row.data) fields.payload = mapped.payload ?? null;
  return fields;
}

/** The row with the adopted fields, as the adopt statement leaves it (for decoding). */
export function adoptedRow(row: JobRow, fields: AdoptedFields): JobRow {
  return {
    ...row,
    sy_task: fields.task,
    priority: fields.pgPriority,
    sy_max_attempts: fields.maxAttempts,
    sy_options: fields.options,
    sy_metadata: fields.metadata,
    data: fields.payload === undefined ? row.data : fields.payload,
  };
}

/**
 * Writes the adopted fields while the claim's lease holds. False when the lease is gone (the row is
 * then someone else's to run).
 */
export async function adoptRow(
  db: Database,
  schema: string,
  row: JobRow,
  fields: AdoptedFields,
): Promise<boolean> {
  const replacePayload = fields.payload !== undefined;
  const rows = await db.queryRetrying(
    'adopt foreign job',
    `UPDATE ${schema}.job
        SET sy_task = $4, priority = $5, sy_max_attempts = $6, sy_options = $7::jsonb, sy_metadata = $8::jsonb,
            data = CASE WHEN $9::boolean THEN ($10::jsonb -> 'v') ELSE data END
      WHERE name = $1 AND id = $2 AND sy_lease_token = $3 AND state = 'active'
      RETURNING 1`,
    [
      row.name,
      row.id,
      row.sy_lease_token,
      fields.task,
      fields.pgPriority,
      fields.maxAttempts,
      fields.options === null ? null : JSON.stringify(fields.options),
      fields.metadata === null ? null : JSON.stringify(fields.metadata),
      replacePayload,
      JSON.stringify({ v: replacePayload ? fields.payload : null }),
    ],
  );
  return rows.length === 1;
}

/** The `foreignJobs` mappings. */
export class ForeignJobs {
  constructor(private readonly mappings: ForeignJobsOption = {}) {}

  /** The mapping of `queue`, if it accepts foreign jobs. */
  mappingOf(queue: string): ForeignJobMapping | undefined {
    return Object.hasOwn(this.mappings, queue) ? this.mappings[queue] : undefined;
  }
}
