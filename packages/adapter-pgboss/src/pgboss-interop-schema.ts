/**
 * Schema version 5 (see schema.ts): the claim function of version 3, now also writing pg-boss's expiry
 * and retention columns (pgboss-columns.ts), so a running job is safe under pg-boss's supervisor, also
 * one a plain pg-boss `send` wrote (with pg-boss's 15-minute expiry and 14-day keep_until); and the
 * rows written before version 5 get the values Switchyard writes now.
 */
import { PGBOSS_CLAIMED_ASSIGNMENTS, PGBOSS_NO_EXPIRY_SECONDS } from './pgboss-columns.js';

/** `switchyard_claim` as of version 5: version 3's plan settings and order, plus the pg-boss columns. */
export function claimFunctionSql(s: string): string {
  return `CREATE OR REPLACE FUNCTION ${s}.switchyard_claim(p_queues text[], p_now timestamptz, p_limit int, p_lease_until timestamptz)
         RETURNS SETOF ${s}.job
         LANGUAGE plpgsql
         SET enable_sort = off
         SET enable_bitmapscan = off
         SET jit = off
       AS $claim$
       BEGIN
         RETURN QUERY
         WITH candidates AS (
           SELECT c.name, c.id
           FROM unnest(p_queues) AS q(name)
           CROSS JOIN LATERAL (
             SELECT j.name, j.id, j.priority, j.start_after
             FROM ${s}.job j
             WHERE j.name = q.name AND j.state < 'active' AND j.start_after <= p_now
             ORDER BY j.priority DESC, j.start_after, j.id
             LIMIT p_limit
             FOR UPDATE SKIP LOCKED
           ) c
           WHERE NOT EXISTS (SELECT 1 FROM ${s}.switchyard_queue p WHERE p.name = q.name AND p.paused)
           ORDER BY c.priority DESC, c.start_after, c.id
           LIMIT p_limit
         )
         UPDATE ${s}.job j
            SET state = 'active', retry_count = j.retry_count + 1, started_on = p_now, heartbeat_on = p_now,
                sy_lease_token = gen_random_uuid(), sy_lease_expires_at = p_lease_until, sy_cancel_requested = false,
                ${PGBOSS_CLAIMED_ASSIGNMENTS}
           FROM candidates
          WHERE j.name = candidates.name AND j.id = candidates.id
          RETURNING j.*;
       END
       $claim$`;
}

/**
 * Switchyard rows written before version 5: the retention columns enqueue writes now, and for jobs a
 * Switchyard lease holds, the claim's expiry.
 */
export function safeUnderPgBossSql(s: string): string[] {
  return [
    `UPDATE ${s}.job
        SET keep_until = 'infinity', deletion_seconds = 0, heartbeat_seconds = NULL,
            expire_seconds = CASE WHEN state = 'active' AND sy_lease_token IS NOT NULL
                                  THEN ${PGBOSS_NO_EXPIRY_SECONDS} ELSE expire_seconds END
      WHERE sy_task IS NOT NULL`,
  ];
}
