/**
 * Periodic upkeep any adapter instance runs: redeliver jobs whose lease
 * expired (their worker died or hung), delete finished jobs past retention,
 * and prune throughput history and dead workers' rows. Each is a set-based
 * statement, safe to run from many processes at once.
 */
import type { AdapterStartContext } from '@switchyard/core';
import type { Database } from './database.js';
import { pruneHistory } from './history.js';
import { PGBOSS_QUEUED_EXPIRY } from './pgboss-columns.js';
import { deleteExpiredWorkers } from './workers.js';

/**
 * running → pending for every expired lease: the attempt stays consumed and the
 * next delivery is flagged `redelivered`. A job whose cancel was requested while
 * its holder died ends `cancelled` instead of running again. A row some other writer (a pg-boss worker,
 * a script) marked active without a Switchyard lease expires by pg-boss's own rule, `started_on +
 * expire_seconds`, so it is not stuck for ever when that writer died. NOTIFYs the queues so idle workers
 * anywhere pick the jobs up at once. Returns how many were redelivered.
 */
export async function redeliverExpiredLeases(
  db: Database,
  schema: string,
  channel: string,
  now: number,
): Promise<number> {
  const rows = await db.query<{ redelivered: string }>(
    'redeliver expired leases',
    `WITH expired AS (
       UPDATE ${schema}.job
          SET state = CASE WHEN sy_cancel_requested THEN 'cancelled'::${schema}.job_state ELSE 'created' END,
              completed_on = CASE WHEN sy_cancel_requested THEN $1 ELSE completed_on END,
              sy_redelivered = NOT sy_cancel_requested, sy_lease_token = NULL, sy_lease_expires_at = NULL,
              ${PGBOSS_QUEUED_EXPIRY}
        WHERE state = 'active'
          AND (sy_lease_expires_at < $1
               OR (sy_lease_expires_at IS NULL AND started_on + expire_seconds * interval '1 second' < $1))
        RETURNING name, state
     )
     SELECT (SELECT count(*) FROM expired) AS redelivered,
            (SELECT count(pg_notify($2, q.name || '|0')) FROM (SELECT DISTINCT name FROM expired WHERE state = 'created') q) AS notified`,
    [new Date(now), channel],
  );
  return Number(rows[0]?.redelivered ?? 0);
}

/** Deletes completed jobs older than `retention.completedMs` and failed/cancelled ones older than `retention.failedMs`. */
export async function applyRetention(
  db: Database,
  schema: string,
  retention: AdapterStartContext['retention'],
  now: number,
): Promise<number> {
  let removed = 0;
  if (retention.completedMs !== undefined) {
    const rows = await db.query(
      'retention (completed)',
      `DELETE FROM ${schema}.job WHERE state = 'completed' AND completed_on < $1 RETURNING 1`,
      [new Date(now - retention.completedMs)],
    );
    removed += rows.length;
  }
  if (retention.failedMs !== undefined) {
    const rows = await db.query(
      'retention (failed)',
      `DELETE FROM ${schema}.job WHERE state IN ('failed', 'cancelled') AND completed_on < $1 RETURNING 1`,
      [new Date(now - retention.failedMs)],
    );
    removed += rows.length;
  }
  return removed;
}

/** How often retention runs: half the shortest retention, between 1 s and 60 s. */
export function retentionIntervalMs(retention: AdapterStartContext['retention']): number | undefined {
  const shortest = Math.min(retention.completedMs ?? Infinity, retention.failedMs ?? Infinity);
  if (!Number.isFinite(shortest)) return undefined;
  return Math.min(60_000, Math.max(1_000, Math.floor(shortest / 2)));
}

/** How often the expired-lease sweep runs for a lease duration: a quarter of it, between 25 ms and 5 s. */
export function leaseSweepIntervalMs(leaseDurationMs: number): number {
  return Math.min(5_000, Math.max(25, Math.floor(leaseDurationMs / 4)));
}

/** How often the operations upkeep (history pruning, dead workers) runs: a tenth of the history window, 1 s – 60 s. */
export function upkeepIntervalMs(historyRetentionMs: number): number {
  return Math.min(60_000, Math.max(1_000, Math.floor(historyRetentionMs / 10)));
}

/**
 * Deletes history older than the window and the rows of workers that stopped heartbeating.
 * Returns how many rows of each went.
 */
export async function runUpkeep(
  db: Database,
  schema: string,
  historyRetentionMs: number,
  now: number,
): Promise<{ history: number; workers: number }> {
  const [history, workers] = await Promise.all([
    pruneHistory(db, schema, now - historyRetentionMs),
    deleteExpiredWorkers(db, schema, now),
  ]);
  return { history, workers };
}
