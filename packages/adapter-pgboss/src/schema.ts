/**
 * Creates or migrates the schema on `start()`:
 * 1. pg-boss installs / migrates its own objects (job and queue tables, the
 *    job_state enum, create_queue(), version) through its `start({ migrate })`.
 * 2. Switchyard adds what pg-boss has no column for (task, lease token and
 *    expiry, progress, cancel flag, metadata, ...) to pg-boss's job table, the
 *    indexes its queries need, and small tables of its own (pause flags, schedules, workers, history). Versioned in
 *    `switchyard_version`, applied under an advisory lock so several processes
 *    starting at once apply it once.
 */
import { PgBoss } from 'pg-boss';
import type { Database } from './database.js';
import { claimFunctionSql, safeUnderPgBossSql } from './pgboss-interop-schema.js';
import { reinsertGuardSql } from './pgboss-reinsert.js';
import { throttleMigration } from './throttle.js';

/** Bump when `MIGRATIONS` grows. */
export const SWITCHYARD_SCHEMA_VERSION = 6;

/** The Switchyard additions, one entry per version. */
function migrations(s: string): string[][] {
  return [
    [
      `CREATE SEQUENCE IF NOT EXISTS ${s}.switchyard_job_seq`,
      `ALTER TABLE ${s}.job
         ADD COLUMN IF NOT EXISTS sy_task text,
         ADD COLUMN IF NOT EXISTS sy_seq bigint NOT NULL DEFAULT nextval('${s}.switchyard_job_seq'),
         ADD COLUMN IF NOT EXISTS sy_max_attempts int,
         ADD COLUMN IF NOT EXISTS sy_options jsonb,
         ADD COLUMN IF NOT EXISTS sy_metadata jsonb,
         ADD COLUMN IF NOT EXISTS sy_lease_token uuid,
         ADD COLUMN IF NOT EXISTS sy_lease_expires_at timestamptz,
         ADD COLUMN IF NOT EXISTS sy_redelivered boolean NOT NULL DEFAULT false,
         ADD COLUMN IF NOT EXISTS sy_cancel_requested boolean NOT NULL DEFAULT false,
         ADD COLUMN IF NOT EXISTS sy_progress jsonb,
         ADD COLUMN IF NOT EXISTS sy_error jsonb`,
      // Indexes live on job_common, the partition that holds every queue pg-boss creates with partition: false (all
      // Switchyard queues). A partition's unique index need not include the partition key, so ids and unique keys are
      // unique across queues, which a unique index on the partitioned parent could not express.
      // Fetch: priority (pg-boss's "higher first"), then runAt, then enqueue order; not-yet-due rows filtered inside the index.
      `CREATE INDEX IF NOT EXISTS switchyard_job_fetch ON ${s}.job_common (name, priority DESC, start_after, sy_seq) WHERE state < 'active'`,
      // One job per id; get(id) without the queue; list() newest first by id.
      `CREATE UNIQUE INDEX IF NOT EXISTS switchyard_job_id ON ${s}.job_common (id)`,
      // uniqueKey: at most one unfinished job per (task, key).
      `CREATE UNIQUE INDEX IF NOT EXISTS switchyard_job_unique_key ON ${s}.job_common (sy_task, singleton_key) WHERE singleton_key IS NOT NULL AND state < 'completed'`,
      // list({ state }) for states a job reaches once (retry/completed/failed/cancelled); not for created/active, so the
      // enqueue and the claim do not pay for it. Waiting jobs are the newest, found from switchyard_job_id's top;
      // running ones are few (switchyard_job_lease).
      `CREATE INDEX IF NOT EXISTS switchyard_job_state_id ON ${s}.job_common (state, id) WHERE state NOT IN ('created', 'active')`,
      `CREATE INDEX IF NOT EXISTS switchyard_job_task_id ON ${s}.job_common (sy_task, id)`,
      // Expired-lease sweep: only running rows are in it.
      `CREATE INDEX IF NOT EXISTS switchyard_job_lease ON ${s}.job_common (sy_lease_expires_at) WHERE state = 'active'`,
      // Retention: finished rows by finish time.
      `CREATE INDEX IF NOT EXISTS switchyard_job_finished ON ${s}.job_common (state, completed_on) WHERE completed_on IS NOT NULL`,
      `CREATE TABLE IF NOT EXISTS ${s}.switchyard_queue (
         name text PRIMARY KEY,
         paused boolean NOT NULL DEFAULT false,
         updated_at timestamptz NOT NULL DEFAULT now()
       )`,
      `CREATE TABLE IF NOT EXISTS ${s}.switchyard_schedule (
         key text PRIMARY KEY,
         task text NOT NULL,
         queue text NOT NULL,
         cron text,
         every_ms bigint,
         tz text,
         payload jsonb,
         job_options jsonb NOT NULL DEFAULT '{}',
         paused boolean NOT NULL DEFAULT false,
         next_run_at timestamptz NOT NULL,
         last_run_at timestamptz,
         created_at timestamptz NOT NULL
       )`,
    ],
    // Version 2: fewer writes per enqueued row, and counts() from indexes. The claim's last order key is the id (UUIDv7: time ordered, and
    // in call order within a process) instead of a sequence value, so no nextval per row and no sy_seq column;
    // list({ task }) reads switchyard_job_id newest first with a filter instead of an index of its own.
    [
      `DROP INDEX IF EXISTS ${s}.switchyard_job_task_id`,
      `DROP INDEX IF EXISTS ${s}.switchyard_job_fetch`,
      `ALTER TABLE ${s}.job DROP COLUMN IF EXISTS sy_seq`,
      `DROP SEQUENCE IF EXISTS ${s}.switchyard_job_seq`,
      `CREATE INDEX IF NOT EXISTS switchyard_job_claim ON ${s}.job_common (name, priority DESC, start_after, id) WHERE state < 'active'`,
      // Retention by finish time, and counts() of finished jobs as an index-only scan (name included for the
      // per-queue count). Unfinished states are counted from pg-boss's own job_i14 (name, state, blocked, start_after).
      `DROP INDEX IF EXISTS ${s}.switchyard_job_finished`,
      `CREATE INDEX IF NOT EXISTS switchyard_job_finished ON ${s}.job_common (state, completed_on) INCLUDE (name) WHERE state IN ('completed', 'cancelled', 'failed')`,
    ],
    // Version 3: the claim as a function that pins its plan. It must walk switchyard_job_claim in order and stop
    // after `p_limit` rows; on a table whose statistics are missing or stale (a new queue, a burst of inserts the
    // planner has not seen yet) PostgreSQL misjudged a bitmap scan plus a sort of every ready row as cheaper,
    // which made each claim cost O(backlog): 10,000 queued jobs processed 3× slower than 5,000. JIT is off
    // because a disabled plan node (the final sort across queues, which always remains) costs 1e10, far above
    // jit_above_cost: every claim would then compile itself with LLVM.
    [
      `CREATE OR REPLACE FUNCTION ${s}.switchyard_claim(p_queues text[], p_now timestamptz, p_limit int, p_lease_until timestamptz)
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
                sy_lease_token = gen_random_uuid(), sy_lease_expires_at = p_lease_until, sy_cancel_requested = false
           FROM candidates
          WHERE j.name = candidates.name AND j.id = candidates.id
          RETURNING j.*;
       END
       $claim$`,
    ],
    // Version 4: the operations contract. Nothing here touches the job table, so enqueue, claim and settle
    // write exactly what they wrote before.
    [
      // Live workers: one row per worker process, refreshed on its heartbeat; rows past expires_at are dead.
      `CREATE TABLE IF NOT EXISTS ${s}.switchyard_worker (
         id text PRIMARY KEY,
         data text NOT NULL,
         expires_at timestamptz NOT NULL
       )`,
      // Throughput history: a minute cell and its hour roll-up ('m' / 'h') per (queue, task), counts added by
      // upserts. Reads are a range of the primary key for one grain; pruning deletes a range of it.
      `CREATE TABLE IF NOT EXISTS ${s}.switchyard_history (
         grain "char" NOT NULL,
         at timestamptz NOT NULL,
         queue text NOT NULL,
         task text NOT NULL,
         completed bigint NOT NULL,
         failed bigint NOT NULL,
         retried bigint NOT NULL,
         durations bigint[] NOT NULL,
         PRIMARY KEY (grain, at, queue, task)
       )`,
    ],
    // Version 5: rows safe under a co-running pg-boss's supervisor and maintenance (pgboss-columns.ts): the
    // claim writes pg-boss's expiry columns too (a row a plain pg-boss `send` wrote becomes Switchyard's when
    // claimed), rows written before this version get the values enqueue now writes, and pg-boss's
    // delete-and-re-insert of a failed job keeps Switchyard's columns (pgboss-reinsert.ts).
    [claimFunctionSql(s), ...safeUnderPgBossSql(s), ...reinsertGuardSql(s)],
    // Version 6: throttling (rate windows, per-key slots), see `throttle.ts`.
    throttleMigration(s),
  ];
}

/** Installs or migrates pg-boss's schema and Switchyard's additions. Idempotent; safe to race. */
export async function installSchema(db: Database, schema: string): Promise<void> {
  await installPgBoss(db, schema);
  await db.transaction('schema migration', async (client) => {
    // One migrator per schema at a time; the others wait and then find the version current.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`switchyard-migrate:${schema}`]);
    await client.query(`CREATE TABLE IF NOT EXISTS ${schema}.switchyard_version (version int NOT NULL)`);
    const { rows } = await client.query<{ version: number }>(
      `SELECT max(version) AS version FROM ${schema}.switchyard_version`,
    );
    const current = rows[0]?.version ?? 0;
    const steps = migrations(schema);
    for (let index = current; index < steps.length; index++) {
      for (const statement of steps[index] ?? []) await client.query(statement);
    }
    if (current < steps.length) {
      await client.query(`DELETE FROM ${schema}.switchyard_version`);
      await client.query(`INSERT INTO ${schema}.switchyard_version (version) VALUES ($1)`, [steps.length]);
    }
  });
}

/**
 * pg-boss creates or migrates its own schema. It runs on the adapter's pool
 * (through pg-boss's `db` option) with supervision and its cron off: Switchyard
 * runs its own maintenance, and the instance is stopped once the schema is current.
 */
async function installPgBoss(db: Database, schema: string): Promise<void> {
  const boss = new PgBoss({
    db: { executeSql: (text: string, values?: unknown[]) => db.pool.query(text, values) },
    schema,
    migrate: true,
    supervise: false,
    schedule: false,
  });
  let bossError: unknown;
  boss.on('error', (error) => {
    bossError = error;
  });
  try {
    await boss.start();
  } catch (error) {
    throw db.wrap('pg-boss schema install', error);
  } finally {
    await boss.stop({ graceful: false, close: false }).catch((error: unknown) => {
      bossError ??= error;
    });
  }
  if (bossError) throw db.wrap('pg-boss schema install', bossError);
}

/** pg-boss's own queue function, so a Switchyard queue is a pg-boss queue (the job table's foreign key needs it). */
export function createQueueSql(schema: string): string {
  return `SELECT ${schema}.create_queue($1, '{"policy":"standard"}'::jsonb)`;
}
