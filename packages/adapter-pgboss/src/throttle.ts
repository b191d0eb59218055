/**
 * The throttle store on PostgreSQL: each check is one call of a function that takes a
 * transaction-scoped advisory lock on its key, so concurrent checks of one key run one
 * after the other in every process. A rate window is rows of grant times (a sliding log)
 * beside a window row (its block and its latest promise); per-key slots are rows of holders with an expiry. Times are epoch ms
 * on core's clock, as `started_on` is.
 */
import type { Lease, ThrottleAnswer, ThrottleRequest, ThrottleStore } from '@switchyard/core';
import type { Database } from './database.js';
import { PgLease } from './lease.js';
import { leaseHeld } from './lease-guard.js';
import { PGBOSS_QUEUED_EXPIRY } from './pgboss-columns.js';

/** The tables and functions (schema migration version 5, see `schema.ts`). */
export function throttleMigration(s: string): string[] {
  // The lock's key names the schema, so two schemas in one database never wait on each other.
  const lock = `PERFORM pg_advisory_xact_lock(hashtext('switchyard-throttle:${s}:' || p_key))`;
  return [
    `CREATE TABLE IF NOT EXISTS ${s}.switchyard_throttle_grant (
       key text NOT NULL,
       at bigint NOT NULL,
       member text NOT NULL,
       PRIMARY KEY (key, at, member)
     )`,
    // Per rate window: the end of a block (RateLimitedError) and the latest time a refusal was told to come back.
    `CREATE TABLE IF NOT EXISTS ${s}.switchyard_throttle_window (
       key text PRIMARY KEY,
       blocked_until bigint NOT NULL DEFAULT 0,
       promised bigint NOT NULL DEFAULT 0
     )`,
    `CREATE TABLE IF NOT EXISTS ${s}.switchyard_throttle_slot (
       key text NOT NULL,
       holder text NOT NULL,
       expires_at bigint NOT NULL,
       PRIMARY KEY (key, holder)
     )`,
    // -1 granted, else when to ask again. A request older than the newest grant is refused
    // (retry at once), so grants stay in time order and the window is exact.
    `CREATE OR REPLACE FUNCTION ${s}.switchyard_take_start(
       p_key text, p_max int, p_window bigint, p_now bigint, p_member text) RETURNS bigint
     LANGUAGE plpgsql AS $take$
     DECLARE v_blocked bigint; v_promised bigint; v_last bigint; v_count int; v_oldest bigint; v_retry bigint; v_step bigint; v_frees bigint;
     BEGIN
       ${lock};
       DELETE FROM ${s}.switchyard_throttle_grant WHERE key = p_key AND at <= p_now - p_window;
       SELECT blocked_until, promised INTO v_blocked, v_promised FROM ${s}.switchyard_throttle_window WHERE key = p_key;
       IF v_blocked > p_now THEN RETURN v_blocked; END IF;
       SELECT max(at), count(*) INTO v_last, v_count FROM ${s}.switchyard_throttle_grant WHERE key = p_key;
       IF v_last > p_now THEN RETURN p_now; END IF;
       IF v_count >= p_max THEN
         SELECT at INTO v_oldest FROM ${s}.switchyard_throttle_grant WHERE key = p_key
          ORDER BY at DESC OFFSET p_max - 1 LIMIT 1;
         v_step := GREATEST(1, p_window / p_max);
         v_frees := v_oldest + p_window;
         -- A start frees within one share of the window: ask again right then (whose turn it is, or jitter).
         IF v_frees <= p_now + v_step THEN RETURN v_frees; END IF;
         -- Else join the line: each refusal comes back one share of the window after the previous one.
         v_retry := GREATEST(v_frees, COALESCE(v_promised, 0) + v_step);
         INSERT INTO ${s}.switchyard_throttle_window (key, promised) VALUES (p_key, v_retry)
         ON CONFLICT (key) DO UPDATE SET promised = EXCLUDED.promised;
         RETURN v_retry;
       END IF;
       INSERT INTO ${s}.switchyard_throttle_grant (key, at, member) VALUES (p_key, p_now, p_member)
       ON CONFLICT DO NOTHING;
       RETURN -1;
     END
     $take$`,
    // -1 granted (or renewed), else the earliest expiry among the holders.
    `CREATE OR REPLACE FUNCTION ${s}.switchyard_take_slot(
       p_key text, p_max int, p_ttl bigint, p_now bigint, p_holder text) RETURNS bigint
     LANGUAGE plpgsql AS $take$
     BEGIN
       ${lock};
       DELETE FROM ${s}.switchyard_throttle_slot WHERE key = p_key AND expires_at <= p_now;
       IF EXISTS (SELECT 1 FROM ${s}.switchyard_throttle_slot WHERE key = p_key AND holder = p_holder)
          OR (SELECT count(*) FROM ${s}.switchyard_throttle_slot WHERE key = p_key) < p_max THEN
         INSERT INTO ${s}.switchyard_throttle_slot (key, holder, expires_at) VALUES (p_key, p_holder, p_now + p_ttl)
         ON CONFLICT (key, holder) DO UPDATE SET expires_at = EXCLUDED.expires_at;
         RETURN -1;
       END IF;
       RETURN (SELECT min(expires_at) FROM ${s}.switchyard_throttle_slot WHERE key = p_key);
     END
     $take$`,
  ];
}

export class PgThrottle implements ThrottleStore {
  constructor(
    private readonly db: Database,
    private readonly schema: string,
    private readonly channel: string,
    private readonly now: () => number,
  ) {}

  async acquire(request: ThrottleRequest): Promise<ThrottleAnswer> {
    const s = this.schema;
    // Not retried on a dropped connection: a grant that committed must not be taken twice.
    const rows =
      request.kind === 'rate'
        ? await this.db.query<{ answer: string }>(
            'throttle',
            `SELECT ${s}.switchyard_take_start($1, $2, $3, $4, $5) AS answer`,
            [request.key, request.max, request.windowMs, request.now, request.member],
          )
        : await this.db.query<{ answer: string }>(
            'throttle',
            `SELECT ${s}.switchyard_take_slot($1, $2, $3, $4, $5) AS answer`,
            [request.key, request.max, request.ttlMs, request.now, request.holder],
          );
    const retryAt = Number(rows[0]!.answer);
    return retryAt === -1 ? { granted: true } : { granted: false, retryAt };
  }

  async release(key: string, holder: string): Promise<void> {
    await this.db.queryRetrying(
      'throttle release',
      `DELETE FROM ${this.schema}.switchyard_throttle_slot WHERE key = $1 AND holder = $2`,
      [key, holder],
    );
  }

  async block(key: string, until: number): Promise<void> {
    await this.db.queryRetrying(
      'throttle block',
      `INSERT INTO ${this.schema}.switchyard_throttle_window (key, blocked_until) VALUES ($1, $2)
       ON CONFLICT (key) DO UPDATE
         SET blocked_until = GREATEST(${this.schema}.switchyard_throttle_window.blocked_until, EXCLUDED.blocked_until)`,
      [key, until],
    );
  }

  /**
   * running → retry at `at` with the attempt given back, guarded by the lease token like every
   * settlement, with the NOTIFY a retry sends so idle workers arm a timer for it.
   */
  async defer(lease: Lease, at: Date): Promise<void> {
    if (!(lease instanceof PgLease))
      throw new TypeError('pgboss: defer needs a lease this adapter handed out');
    const { key } = lease;
    await this.db.queryRetrying(
      'defer',
      `WITH deferred AS (
         UPDATE ${this.schema}.job j
            SET state = 'retry', start_after = $4, retry_count = GREATEST(retry_count - 1, 0), started_on = NULL,
                sy_lease_token = NULL, sy_lease_expires_at = NULL, sy_redelivered = false, ${PGBOSS_QUEUED_EXPIRY}
          WHERE ${leaseHeld('j', '$1', '$2', '$3')}
          RETURNING name
       )
       SELECT pg_notify($5, name || '|' || $6) FROM deferred`,
      [key.queue, key.id, key.token, at, this.channel, String(Math.max(at.getTime(), this.now()))],
    );
    // The lease has no defer of its own: releasing it now only frees its consumer's slot (its
    // guarded UPDATE finds the job no longer active and changes nothing).
    await lease.release();
  }
}
