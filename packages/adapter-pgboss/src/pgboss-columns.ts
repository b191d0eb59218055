/**
 * pg-boss's own supervisor and maintenance act on columns Switchyard does not use: a queued row is
 * deleted once `keep_until` passes, a finished one once `completed_on + deletion_seconds` does, and a
 * running one is failed ("job timed out") once `started_on + expire_seconds` passes, or once
 * `heartbeat_on + heartbeat_seconds` does. pg-boss fails a job by deleting the row and inserting a
 * copy of pg-boss's columns only, which erases Switchyard's (task, lease, options). A pg-boss instance
 * started on the adapter's schema (an application running both during a migration, the pg-boss
 * dashboard) must change nothing, so Switchyard's rows carry the values under which none of these
 * rules ever fires on them; Switchyard's own lease sweep and retention do those jobs instead:
 *
 * - `keep_until` infinity: a waiting Switchyard job never expires (pg-boss's default drops it
 *   14 days after `start_after`).
 * - `deletion_seconds` 0: pg-boss's "never delete"; Switchyard's `retention` decides.
 * - `expire_seconds` while Switchyard runs the job (set by the claim): pg-boss's largest (int4 max,
 *   68 years), so always beyond the lease however often the heartbeat extends it. A run is bounded by
 *   Switchyard's lease and `timeoutMs`. A finite expiry refreshed by the heartbeat would let pg-boss
 *   erase a job whose Switchyard fleet is down for longer than it; this never does.
 * - `expire_seconds` while the job waits: pg-boss's default, 15 minutes. It only counts if a plain
 *   pg-boss consumer takes the row (state `active` without a Switchyard lease): Switchyard's
 *   expired-lease sweep then puts it back by pg-boss's rule, `started_on + expire_seconds`.
 * - `heartbeat_seconds` NULL: pg-boss's heartbeat check is off; Switchyard's heartbeat still refreshes
 *   `heartbeat_on`, so pg-boss tools show the run as alive.
 */

/** pg-boss's `expire_seconds` while Switchyard holds the job: the int4 maximum. */
export const PGBOSS_NO_EXPIRY_SECONDS = 2_147_483_647;

/** pg-boss's default `expire_seconds` (15 minutes), for rows waiting to run. */
export const PGBOSS_DEFAULT_EXPIRY_SECONDS = 900;

/** SET item for a row leaving Switchyard's hands back to waiting (retry, release). */
export const PGBOSS_QUEUED_EXPIRY = `expire_seconds = ${PGBOSS_DEFAULT_EXPIRY_SECONDS}`;

/** SET list (alias-free) the claim writes: safe under pg-boss's supervisor and maintenance while running. */
export const PGBOSS_CLAIMED_ASSIGNMENTS = `keep_until = 'infinity', deletion_seconds = 0, expire_seconds = ${PGBOSS_NO_EXPIRY_SECONDS}, heartbeat_seconds = NULL`;

/** INSERT columns and values of a new Switchyard row. */
export const PGBOSS_SAFE_COLUMNS = 'keep_until, deletion_seconds, expire_seconds, heartbeat_seconds';
export const PGBOSS_SAFE_VALUES = `'infinity'::timestamptz, 0, ${PGBOSS_DEFAULT_EXPIRY_SECONDS}, NULL::int`;
