/**
 * The guard of every settlement statement: the row is still this delivery's (queue, id, lease token) and
 * still running. `state` is compared as text on purpose, so the planner cannot look the row up through
 * pg-boss's (name, state, ...) index (job_common_i14) and finds it by id instead: that index walks every
 * running job of the queue (and every dead entry left by earlier claims) for each row settled, which made a
 * batch of completions cost O(batch × running jobs) — 11 s for 1,000 completions with 20,000 jobs running,
 * against 60 ms by id (issue 22). The planner prefers it whenever its statistics say few jobs run.
 */
export function leaseHeld(alias: string, queue: string, id: string, token: string): string {
  return `${alias}.id = ${id} AND ${alias}.name = ${queue} AND ${alias}.sy_lease_token = ${token} AND ${alias}.state::text = 'active'`;
}
