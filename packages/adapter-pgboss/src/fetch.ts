/**
 * The claim statement: pick up to N ready jobs of the given queues (skipping
 * paused ones) in priority → runAt → enqueue order with SKIP LOCKED, and mark
 * them active under a fresh lease token in the same statement. pg-boss's own
 * fetch orders by created_on; Switchyard needs runAt before enqueue order, so
 * it has its own index (switchyard_job_fetch) and statement.
 *
 * A consumer sends the completions its leases collected since its last claim
 * in the same statement (one round trip and one commit settle the finished
 * jobs and claim the next ones, into the slots those completions free).
 */
import { JOB_COLUMNS, type JobRow } from './codec.js';
import type { Database } from './database.js';
import { completeCte, completionArrays, type PendingCompletion } from './settle.js';

/** A claimed row: the job columns plus its lease token and order key. */
export interface ClaimedRow extends JobRow {
  sy_seq: string;
}

/** What one claim asks for. */
export interface ClaimRequest {
  queues: string[];
  limit: number;
  now: number;
  leaseDurationMs: number;
  /** Completions to write in the same statement (and the same transaction). */
  completions: readonly PendingCompletion[];
}

/** Statement texts per schema, built once (they are prepared per connection by their text). */
const statements = new Map<string, { claim: string; completeAndClaim: string }>();

function statementsFor(schema: string): { claim: string; completeAndClaim: string } {
  let built = statements.get(schema);
  if (!built) {
    // synchronous_commit off for a claim alone (set_config is local to its implicit transaction): a claim lost in a
    // server crash just leaves the job pending, to be delivered again, so it need not wait for the WAL flush. With
    // completions the statement keeps the server's setting: an acknowledged completion must survive a crash.
    const relaxed = `relaxed AS MATERIALIZED (SELECT set_config('synchronous_commit', 'off', true))`;
    built = {
      claim: claimSql(schema, relaxed, 'relaxed, '),
      completeAndClaim: claimSql(schema, completeCte(schema, 5), ''),
    };
    statements.set(schema, built);
  }
  return built;
}

/** The claim, after `prelude` (a CTE); `from` is joined into the candidate scan. Parameters $1–$4. */
function claimSql(s: string, prelude: string, from: string): string {
  return `WITH ${prelude},
     candidates AS (
       SELECT c.name, c.id
       FROM ${from}unnest($1::text[]) AS q(name)
       CROSS JOIN LATERAL (
         SELECT j.name, j.id, j.priority, j.start_after, j.sy_seq
         FROM ${s}.job j
         WHERE j.name = q.name AND j.state < 'active' AND j.start_after <= $2
         ORDER BY j.priority DESC, j.start_after, j.sy_seq
         LIMIT $3
         FOR UPDATE SKIP LOCKED
       ) c
       WHERE NOT EXISTS (SELECT 1 FROM ${s}.switchyard_queue p WHERE p.name = q.name AND p.paused)
       ORDER BY c.priority DESC, c.start_after, c.sy_seq
       LIMIT $3
     )
     UPDATE ${s}.job j
        SET state = 'active', retry_count = j.retry_count + 1, started_on = $2, heartbeat_on = $2,
            sy_lease_token = gen_random_uuid(), sy_lease_expires_at = $4, sy_cancel_requested = false
       FROM candidates
      WHERE j.name = candidates.name AND j.id = candidates.id
      RETURNING ${JOB_COLUMNS}, j.sy_seq`;
}

/**
 * Claims up to `limit` ready jobs for `leaseDurationMs`, writing `completions`
 * in the same transaction. Not retried on failure: the caller decides (a claim
 * that committed before the connection died must not claim a second time).
 */
export async function claimJobs(db: Database, schema: string, request: ClaimRequest): Promise<ClaimedRow[]> {
  const { queues, limit, now, leaseDurationMs, completions } = request;
  const sql = statementsFor(schema);
  const claimValues = [queues, new Date(now), limit, new Date(now + leaseDurationMs)];
  const rows =
    completions.length === 0
      ? await db.queryPrepared<ClaimedRow>('fetch', sql.claim, claimValues)
      : await db.queryPrepared<ClaimedRow>('complete and fetch', sql.completeAndClaim, [
          ...claimValues,
          ...completionArrays(completions),
          new Date(now),
        ]);
  // UPDATE ... RETURNING has no order; deliver in the order the jobs were picked.
  return rows.sort(
    (a, b) =>
      b.priority - a.priority ||
      a.start_after.getTime() - b.start_after.getTime() ||
      compareSeq(a.sy_seq, b.sy_seq),
  );
}

function compareSeq(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
