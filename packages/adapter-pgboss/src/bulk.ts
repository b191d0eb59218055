/**
 * `jobs.bulk`: one statement per call, `WHERE id = ANY($ids) AND <state is one of onlyIn>`,
 * so the state check and the change are one atomic step: a job that left those states
 * since it was listed (a worker took it, it finished, someone else retried it) is not
 * matched, and a row changed while the statement ran is re-checked before it is touched.
 *
 * The statement never waits for a row lock (`FOR UPDATE SKIP LOCKED`): other statements
 * lock many job rows at once in an order of their own (the batched completion, the
 * expired-lease sweep), and a bulk statement waiting on them while holding its own rows
 * could deadlock with them. A row that matched but was locked at that instant (a worker's
 * heartbeat or completion was writing it) is tried again by a short follow-up statement for
 * those ids only, a few times; once its writer commits it either still matches or, having
 * changed state, is skipped.
 */

import { type BulkAction, type BulkOutcome, isUuid, type JobState } from '@switchyard/core';
import { statePredicate } from './codec.js';
import { type Database, pgErrorCode } from './database.js';
import { PGBOSS_QUEUED_EXPIRY } from './pgboss-columns.js';

/** States each action can change; `onlyIn` is narrowed to them. */
const ACTION_STATES: Record<BulkAction, readonly JobState[]> = {
  retry: ['failed', 'cancelled'],
  cancel: ['scheduled', 'pending', 'retrying', 'running'],
  remove: ['scheduled', 'pending', 'retrying', 'running', 'completed', 'failed', 'cancelled'],
};

const UNIQUE_VIOLATION = '23505';
/** A retry that collides with a job enqueued meanwhile under the same unique key is run again (then skips it). */
const UNIQUE_ROUNDS = 3;
/** Statements for rows that were locked by another writer: the first, then follow-ups 5, 10, ... ms apart. */
const LOCKED_ROUNDS = 8;

/**
 * The SQL condition "the job is in one of `states` at `$2`" (alias `j`), or null when no
 * state applies. Time-dependent states (scheduled/pending/retrying) compare `start_after`
 * with parameter `$2`.
 */
export function bulkStateCondition(action: BulkAction, onlyIn: readonly JobState[]): string | null {
  const states = onlyIn.filter((state) => ACTION_STATES[action].includes(state));
  if (states.length === 0) return null;
  return `(${states.map((state) => `(${statePredicate(state, '$2::timestamptz')})`).join(' OR ')})`;
}

/**
 * The two CTEs every statement starts with: `matched` (rows in the listed states, as of the
 * statement's snapshot, without locking) and `locked` (those of them this statement could lock).
 */
function targets(schema: string, condition: string): string {
  return `matched AS (SELECT j.id FROM ${schema}.job j WHERE j.id = ANY($1::uuid[]) AND ${condition}),
       locked AS MATERIALIZED (
         SELECT j.name, j.id, j.sy_task, j.singleton_key FROM ${schema}.job j
          WHERE j.id = ANY($1::uuid[]) AND ${condition}
          FOR UPDATE SKIP LOCKED
       )`;
}

/** The ids that matched but were locked by another writer. */
const BUSY =
  'array(SELECT m.id::text FROM matched m WHERE NOT EXISTS (SELECT 1 FROM locked l WHERE l.id = m.id)) AS busy';

/** One statement's outcome: what it changed, and the matching ids it found locked. */
interface Round extends BulkOutcome {
  busy: string[];
}

/** Runs bulk actions on one schema. */
export class PgBulkActions {
  constructor(
    private readonly db: Database,
    private readonly schema: string,
    private readonly channel: string,
    private readonly now: () => number,
  ) {}

  async run(ids: string[], action: BulkAction, onlyIn: JobState[]): Promise<BulkOutcome> {
    const condition = bulkStateCondition(action, onlyIn);
    let pending = [...new Set(ids.filter(isUuid))];
    const outcome: BulkOutcome = { changed: [], requested: [] };
    if (condition === null) return outcome;
    for (let round = 1; pending.length > 0; round++) {
      const now = new Date(this.now());
      const result =
        action === 'remove'
          ? await this.remove(pending, condition, now)
          : action === 'cancel'
            ? await this.cancel(pending, condition, now)
            : await this.retry(pending, condition, now);
      outcome.changed.push(...result.changed);
      outcome.requested.push(...result.requested);
      // Still locked after the last round: left as they are (reported as skipped by core).
      if (round >= LOCKED_ROUNDS) break;
      pending = result.busy;
      if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, 5 * round));
    }
    return outcome;
  }

  private async remove(ids: string[], condition: string, now: Date): Promise<Round> {
    const rows = await this.db.query<{ changed: string[]; busy: string[] }>(
      'bulk remove',
      `WITH ${targets(this.schema, condition)},
       removed AS (
         DELETE FROM ${this.schema}.job j USING locked l WHERE j.name = l.name AND j.id = l.id RETURNING j.id
       )
       SELECT array(SELECT id::text FROM removed) AS changed, ${BUSY}`,
      // The time is a parameter only when a state condition compares with it (an unused one has no type).
      condition.includes('$2') ? [ids, now] : [ids],
    );
    return { changed: rows[0]?.changed ?? [], requested: [], busy: rows[0]?.busy ?? [] };
  }

  /** Waiting jobs → cancelled; running ones get the cancel flag and a NOTIFY their holder hears. */
  private async cancel(ids: string[], condition: string, now: Date): Promise<Round> {
    const rows = await this.db.query<{ changed: string[]; requested: string[]; busy: string[] }>(
      'bulk cancel',
      `WITH ${targets(this.schema, condition)},
       changed AS (
         UPDATE ${this.schema}.job j
            SET state = CASE WHEN j.state = 'active' THEN j.state ELSE 'cancelled' END,
                completed_on = CASE WHEN j.state = 'active' THEN j.completed_on ELSE $2::timestamptz END,
                sy_cancel_requested = (j.state = 'active')
           FROM locked l
          WHERE j.name = l.name AND j.id = l.id
          RETURNING j.id, j.state = 'active' AS requested
       )
       SELECT array(SELECT id::text FROM changed WHERE NOT requested) AS changed,
              array(SELECT id::text FROM changed WHERE requested) AS requested,
              ${BUSY},
              (SELECT count(pg_notify($3, '!cancel|' || id::text)) FROM changed WHERE requested) AS notified`,
      [ids, now, this.channel],
    );
    const row = rows[0];
    return { changed: row?.changed ?? [], requested: row?.requested ?? [], busy: row?.busy ?? [] };
  }

  /**
   * failed/cancelled → pending with a fresh attempt budget (as `jobs.retry`). A job whose
   * unique key is now held by an unfinished job stays as it is (skipped), and of two
   * listed jobs sharing a key only the newest is retried.
   */
  private async retry(ids: string[], condition: string, now: Date): Promise<Round> {
    const s = this.schema;
    for (let round = 1; ; round++) {
      try {
        const rows = await this.db.query<{ changed: string[]; busy: string[] }>(
          'bulk retry',
          `WITH ${targets(this.schema, condition)},
           chosen AS (
             SELECT c.name, c.id FROM (
               SELECT l.*, row_number() OVER (PARTITION BY l.sy_task, l.singleton_key ORDER BY l.id DESC) AS nth
                 FROM locked l
             ) c
             WHERE c.singleton_key IS NULL
                OR (c.nth = 1 AND NOT EXISTS (
                      SELECT 1 FROM ${s}.job o
                       WHERE o.sy_task = c.sy_task AND o.singleton_key = c.singleton_key AND o.state < 'completed'))
           ),
           retried AS (
             UPDATE ${s}.job j
                SET state = 'created', retry_count = 0, start_after = $2::timestamptz, started_on = NULL,
                    completed_on = NULL, output = NULL, sy_error = NULL, sy_progress = NULL,
                    sy_cancel_requested = false, sy_redelivered = false, ${PGBOSS_QUEUED_EXPIRY}
               FROM chosen c
              WHERE j.name = c.name AND j.id = c.id
              RETURNING j.id, j.name
           )
           SELECT array(SELECT id::text FROM retried) AS changed, ${BUSY},
                  (SELECT count(pg_notify($3, q.name || '|0')) FROM (SELECT DISTINCT name FROM retried) q) AS notified`,
          [ids, now, this.channel],
        );
        return { changed: rows[0]?.changed ?? [], requested: [], busy: rows[0]?.busy ?? [] };
      } catch (error) {
        if (round >= UNIQUE_ROUNDS || pgErrorCode(error) !== UNIQUE_VIOLATION) throw error;
      }
    }
  }
}
