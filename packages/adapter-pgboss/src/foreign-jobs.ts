/**
 * Foreign producers: rows a plain pg-boss `send` (or `insert`, a script, the pg-boss dashboard) added
 * to a queue carry no Switchyard columns (no task). For the queues named in the `foreignJobs` option,
 * a mapping turns such a row into a Switchyard job when a Switchyard worker claims it; core then
 * validates the payload with the task's schema like any other job. The mapped fields are written to
 * the row (it is "adopted"), so retries, `jobs.get` and search see a Switchyard job from then on.
 * Without a mapping, or when the mapping fails, the job is malformed: core fails it, and the row
 * keeps pg-boss's raw `data` for inspection.
 */
import {
  type BackoffSpec,
  type ForeignJobMapping as CoreForeignJobMapping,
  mapForeignJob,
} from '@switchyard/core';
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

export type { ForeignJob } from '@switchyard/core';

/**
 * How the rows of one queue that were not written by Switchyard become Switchyard jobs: a task whose
 * payload is the row's `data` (priority read from pg-boss's, 9 − priority within 0..9; attempts and
 * backoff taken from pg-boss's retry columns unless given here), or a function of the raw row. A
 * payload other than the row's `data` is stored in its place.
 */
export type ForeignJobMapping = CoreForeignJobMapping<PgBossForeignRow>;

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
 * Throws `MalformedJobError` when the mapping fails (see `mapForeignJob`).
 */
export function adoptedFields(mapping: ForeignJobMapping, row: JobRow): AdoptedFields {
  const raw = foreignRow(row);
  const mapped = mapForeignJob(mapping, raw, () => row.data, {
    adapter: 'pgboss',
    queue: row.name,
    name: `job ${row.id}`,
  });
  const options: { backoff?: BackoffSpec; timeoutMs?: number } = {
    backoff: mapped.backoff ?? producerBackoff(raw),
  };
  if (mapped.timeoutMs !== undefined) options.timeoutMs = mapped.timeoutMs;
  const fields: AdoptedFields = {
    task: mapped.task,
    pgPriority: mapped.priority === undefined ? Math.min(9, Math.max(0, row.priority)) : 9 - mapped.priority,
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
