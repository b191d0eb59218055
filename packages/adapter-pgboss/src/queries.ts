/**
 * `jobs`: get, list (filtered, newest first by id, a bounded walk: see `search.ts`),
 * counts, cancel, retry, remove and bulk actions (`bulk.ts`), on pg-boss's job table.
 */
import {
  type BulkAction,
  type BulkOutcome,
  type CancelOutcome,
  InvalidOptionsError,
  isUuid,
  JOB_STATES,
  type JobCounts,
  type JobPage,
  type JobRecord,
  type JobState,
  type JobStore,
  type JobStoreOperations,
  type NormalizedListQuery,
} from '@switchyard/core';
import { PgBulkActions } from './bulk.js';
import { decodeJob, JOB_COLUMNS, type JobRow, type PgBossState, toJobState } from './codec.js';
import { type Database, pgErrorCode } from './database.js';
import { cancelPayload } from './notify.js';
import { PGBOSS_QUEUED_EXPIRY } from './pgboss-columns.js';
import { buildListStatement, LIST_PLANNER_SETTINGS, type ListedRow, pageOf } from './search.js';

/** The job store of one adapter. */
export class PgJobStore implements Omit<JobStore, 'list'>, JobStoreOperations {
  private readonly bulkActions: PgBulkActions;

  constructor(
    private readonly db: Database,
    private readonly schema: string,
    private readonly channel: string,
    private readonly now: () => number,
  ) {
    this.bulkActions = new PgBulkActions(db, schema, channel, now);
  }

  async get(id: string): Promise<JobRecord | null> {
    if (!isUuid(id)) return null;
    const rows = await this.db.query<JobRow>(
      'get job',
      `SELECT ${JOB_COLUMNS} FROM ${this.schema}.job j WHERE j.id = $1`,
      [id],
    );
    return rows[0] ? decodeJob(rows[0], this.now()).job : null;
  }

  /** A filtered page, newest first, walking at most `query.scanLimit` rows (see `search.ts`). */
  async list(query: NormalizedListQuery): Promise<JobPage> {
    if (query.cursor !== undefined && !isUuid(query.cursor)) {
      throw new InvalidOptionsError(`jobs.list: invalid cursor "${query.cursor}" (not from this adapter)`);
    }
    const now = this.now();
    const statement = buildListStatement(this.schema, query, now);
    if (statement === null) return { jobs: [] };
    const rows = await this.db.queryPinned<JobRow & ListedRow>(
      'list jobs',
      LIST_PLANNER_SETTINGS,
      statement.text,
      statement.values,
    );
    const page = pageOf(rows, query.limit, query.scanLimit);
    const jobs = page.rows.map((row) => decodeJob(row, now).job);
    return page.nextCursor === undefined ? { jobs } : { jobs, nextCursor: page.nextCursor };
  }

  /** Applies a bulk action to the jobs of `ids` still in one of `onlyIn` (see `bulk.ts`). */
  bulk(ids: string[], action: BulkAction, onlyIn: JobState[]): Promise<BulkOutcome> {
    return this.bulkActions.run(ids, action, onlyIn);
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
                  output = NULL, sy_error = NULL, sy_progress = NULL, sy_cancel_requested = false, sy_redelivered = false,
                  ${PGBOSS_QUEUED_EXPIRY}
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
