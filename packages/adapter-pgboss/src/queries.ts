/**
 * `jobs`: get, list (cursor pagination newest first by id, on indexes: never a
 * scan of finished jobs), counts, cancel, retry and remove, on pg-boss's job table.
 */
import {
  type CancelOutcome,
  InvalidOptionsError,
  isUuid,
  JOB_STATES,
  type JobCounts,
  type JobPage,
  type JobRecord,
  type JobStore,
  type ListJobsQuery,
} from '@switchyard/core';
import {
  decodeJob,
  JOB_COLUMNS,
  type JobRow,
  type PgBossState,
  statePredicate,
  toJobState,
} from './codec.js';
import { type Database, pgErrorCode } from './database.js';
import { cancelPayload } from './notify.js';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 1000;

/** The job store of one adapter. */
export class PgJobStore implements JobStore {
  constructor(
    private readonly db: Database,
    private readonly schema: string,
    private readonly channel: string,
    private readonly now: () => number,
  ) {}

  async get(id: string): Promise<JobRecord | null> {
    if (!isUuid(id)) return null;
    const rows = await this.db.query<JobRow>(
      'get job',
      `SELECT ${JOB_COLUMNS} FROM ${this.schema}.job j WHERE j.id = $1`,
      [id],
    );
    return rows[0] ? decodeJob(rows[0], this.now()).job : null;
  }

  async list(query: ListJobsQuery): Promise<JobPage> {
    const limit = query.limit ?? DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      throw new InvalidOptionsError(`list limit must be an integer in [1, ${MAX_LIMIT}]; got ${limit}`);
    }
    const values: unknown[] = [];
    const where: string[] = [];
    if (query.state) {
      const predicate = statePredicate(query.state, '$1');
      // Only scheduled/pending/retrying depend on the time; an unused parameter would have no type.
      if (predicate.includes('$1')) values.push(new Date(this.now()));
      where.push(predicate);
    }
    if (query.task !== undefined) {
      values.push(query.task);
      where.push(`j.sy_task = $${values.length}`);
    }
    if (query.queue !== undefined) {
      values.push(query.queue);
      where.push(`j.name = $${values.length}`);
    }
    if (query.cursor !== undefined) {
      if (!isUuid(query.cursor)) throw new InvalidOptionsError(`invalid list cursor "${query.cursor}"`);
      values.push(query.cursor);
      where.push(`j.id < $${values.length}`);
    }
    values.push(limit + 1);
    const rows = await this.db.query<JobRow>(
      'list jobs',
      `SELECT ${JOB_COLUMNS} FROM ${this.schema}.job j
        ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY j.id DESC LIMIT $${values.length}`,
      values,
    );
    const now = this.now();
    const jobs = rows.slice(0, limit).map((row) => decodeJob(row, now).job);
    const last = jobs[jobs.length - 1];
    return rows.length > limit && last ? { jobs, nextCursor: last.id } : { jobs };
  }

  /**
   * Two index-only scans, never the table: unfinished states (and failed) from pg-boss's job_i14
   * (name, state, blocked, start_after), completed and cancelled from switchyard_job_finished.
   * created/retry are split by due-ness: before start_after they are scheduled/retrying, after it pending.
   */
  async counts(query?: { queue?: string }): Promise<JobCounts> {
    const now = this.now();
    const values: unknown[] = [new Date(now)];
    let byQueue = '';
    if (query?.queue !== undefined) {
      values.push(query.queue);
      byQueue = 'AND name = $2';
    }
    const rows = await this.db.query<{ state: PgBossState; later: boolean; count: string }>(
      'count jobs',
      `SELECT state::text AS state, (state IN ('created', 'retry') AND start_after > $1) AS later, count(*) AS count
         FROM ${this.schema}.job WHERE state IN ('created', 'retry', 'active', 'failed') ${byQueue}
        GROUP BY 1, 2
       UNION ALL
       SELECT state::text, false, count(*)
         FROM ${this.schema}.job WHERE state IN ('completed', 'cancelled') ${byQueue}
        GROUP BY 1`,
      values,
    );
    const counts = Object.fromEntries(JOB_STATES.map((state) => [state, 0])) as JobCounts;
    for (const row of rows)
      counts[toJobState(row.state, row.later ? now + 1 : now, now)] += Number(row.count);
    return counts;
  }

  async cancel(id: string): Promise<CancelOutcome> {
    if (!isUuid(id)) return 'not_found';
    const rows = await this.db.query<{ previous: string | null; found: boolean }>(
      'cancel job',
      `WITH target AS (
         SELECT name, id, state FROM ${this.schema}.job WHERE id = $1 FOR UPDATE
       ),
       changed AS (
         UPDATE ${this.schema}.job j
            SET state = CASE WHEN t.state = 'active' THEN j.state ELSE 'cancelled' END,
                completed_on = CASE WHEN t.state = 'active' THEN j.completed_on ELSE $2 END,
                sy_cancel_requested = (t.state = 'active')
           FROM target t
          WHERE j.name = t.name AND j.id = t.id AND t.state < 'completed'
          RETURNING t.state::text AS previous
       )
       SELECT (SELECT previous FROM changed) AS previous, EXISTS (SELECT 1 FROM target) AS found,
              (SELECT count(pg_notify($3, $4)) FROM changed WHERE previous = 'active') AS notified`,
      [id, new Date(this.now()), this.channel, cancelPayload(id)],
    );
    const row = rows[0];
    if (!row?.found) return 'not_found';
    if (row.previous === null) return 'finished';
    return row.previous === 'active' ? 'requested' : 'cancelled';
  }

  async retry(id: string): Promise<JobRecord | null> {
    if (!isUuid(id)) return null;
    try {
      const rows = await this.db.query<JobRow>(
        'retry job',
        `WITH retried AS (
           UPDATE ${this.schema}.job j
              SET state = 'created', retry_count = 0, start_after = $2, started_on = NULL, completed_on = NULL,
                  output = NULL, sy_error = NULL, sy_progress = NULL, sy_cancel_requested = false, sy_redelivered = false
            WHERE j.id = $1 AND j.state IN ('failed', 'cancelled')
            RETURNING ${JOB_COLUMNS}
         )
         SELECT retried.*, pg_notify($3, retried.name || '|0') FROM retried`,
        [id, new Date(this.now()), this.channel],
      );
      return rows[0] ? decodeJob(rows[0], this.now()).job : null;
    } catch (error) {
      // Its unique key is held by a newer unfinished job: not retryable now.
      if (pgErrorCode(error) === '23505') return null;
      throw error;
    }
  }

  async remove(id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    const rows = await this.db.query(
      'remove job',
      `DELETE FROM ${this.schema}.job WHERE id = $1 RETURNING 1`,
      [id],
    );
    return rows.length > 0;
  }
}
