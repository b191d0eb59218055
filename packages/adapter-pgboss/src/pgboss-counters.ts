/**
 * pg-boss's queue counters (`queue.queued_count`, `active_count`, ...), which `boss.getQueues()` and
 * the pg-boss dashboard show, are a cache pg-boss's supervisor refreshes by counting the job table.
 * Switchyard runs its own maintenance (pg-boss's supervisor is off), so without this they stay at zero.
 * Updating them per job would add a write to a hot row on every enqueue, claim and settle; instead the
 * adapter's periodic upkeep recounts them with pg-boss's definitions, one grouped count per pass
 * (the counts lag by at most the upkeep interval, 60 s by default). Safe beside a co-running pg-boss
 * supervisor: both write a point-in-time count, the later one wins.
 */
import type { Database } from './database.js';

/**
 * Recounts every queue of the schema (pg-boss's definitions: a queued job is blocked, deferred or
 * ready; total counts every row). Returns how many queue rows were written.
 */
export async function refreshPgBossCounters(db: Database, schema: string, now: number): Promise<number> {
  const rows = await db.query(
    'pg-boss queue counters',
    `WITH counts AS (
       SELECT j.name,
              count(*) FILTER (WHERE j.state < 'active' AND j.blocked) AS blocked,
              count(*) FILTER (WHERE j.state < 'active' AND NOT j.blocked AND j.start_after > $1) AS deferred,
              count(*) FILTER (WHERE j.state < 'active') AS queued,
              count(*) FILTER (WHERE j.state < 'active' AND NOT j.blocked AND j.start_after <= $1) AS ready,
              count(*) FILTER (WHERE j.state = 'active') AS active,
              count(*) FILTER (WHERE j.state = 'failed') AS failed,
              count(*) AS total
         FROM ${schema}.job j
        GROUP BY j.name
     ),
     -- Queue rows locked in name order, as pg-boss does, so two processes refreshing at once cannot
     -- deadlock; rows another refresh holds are skipped (it is writing the same counts).
     locked AS (SELECT name FROM ${schema}.queue ORDER BY name FOR NO KEY UPDATE SKIP LOCKED)
     UPDATE ${schema}.queue q
        SET blocked_count = COALESCE(c.blocked, 0), deferred_count = COALESCE(c.deferred, 0),
            queued_count = COALESCE(c.queued, 0), ready_count = COALESCE(c.ready, 0),
            active_count = COALESCE(c.active, 0), failed_count = COALESCE(c.failed, 0),
            total_count = COALESCE(c.total, 0), monitor_on = $1
       FROM locked l LEFT JOIN counts c ON c.name = l.name
      WHERE q.name = l.name
      RETURNING 1`,
    [new Date(now)],
  );
  return rows.length;
}
