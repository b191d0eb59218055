/**
 * The claim statement: pick up to N ready jobs of the given queues (skipping
 * paused ones) in priority → runAt → enqueue order with SKIP LOCKED, and mark
 * them active under a fresh lease token in the same statement. pg-boss's own
 * fetch orders by created_on; Switchyard needs runAt before enqueue order, so
 * it has its own index (switchyard_job_claim) and claim function (schema.ts).
 * Runs as a prepared statement; not retried (see `claimJobs`).
 */
import { JOB_COLUMNS, type JobRow } from './codec.js';
import type { Database } from './database.js';

/** A claimed row: the job columns, lease token included. */
export type ClaimedRow = JobRow;

/** What one claim asks for. */
export interface ClaimRequest {
  queues: string[];
  limit: number;
  now: number;
  leaseDurationMs: number;
}

/** The claim statement per schema, built once (prepared per connection by its text). */
const statements = new Map<string, string>();

/**
 * Picks and marks the jobs through `switchyard_claim` (schema.ts, which explains why it is a function),
 * parameters $1–$4. synchronous_commit is off for this statement's transaction alone (set_config local, at
 * this level so the function's own settings do not undo it): a claim lost in a server crash just leaves the
 * job pending, to be delivered again, so it need not wait for the WAL flush.
 */
function claimSql(s: string): string {
  let sql = statements.get(s);
  if (sql) return sql;
  sql = `WITH relaxed AS MATERIALIZED (SELECT set_config('synchronous_commit', 'off', true))
     SELECT ${JOB_COLUMNS} FROM relaxed, ${s}.switchyard_claim($1::text[], $2, $3, $4) j`;
  statements.set(s, sql);
  return sql;
}

/**
 * Claims up to `limit` ready jobs for `leaseDurationMs`. Not retried on failure:
 * the caller decides (a claim that committed before the connection died must
 * not claim a second time; its jobs come back when their leases expire).
 */
export async function claimJobs(db: Database, schema: string, request: ClaimRequest): Promise<ClaimedRow[]> {
  const { queues, limit, now, leaseDurationMs } = request;
  const rows = await db.queryPrepared<ClaimedRow>('fetch', claimSql(schema), [
    queues,
    new Date(now),
    limit,
    new Date(now + leaseDurationMs),
  ]);
  // UPDATE ... RETURNING has no order; deliver in the order the jobs were picked.
  return rows.sort(
    (a, b) =>
      b.priority - a.priority ||
      a.start_after.getTime() - b.start_after.getTime() ||
      // Ids are lowercase hex of equal length: text order is PostgreSQL's uuid order.
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}
