/**
 * `stats.queues()`: every queue with its counts per state, its pause flag and its oldest
 * pending job, from three statements run side by side on the pool: waiting, running and failed
 * jobs from pg-boss's `job_i14 (name, state, blocked, start_after)`, walked group by group (see
 * `unfinishedGroupsSql`); completed and cancelled ones from `switchyard_job_finished`; queue
 * names and pause flags from the two small queue tables. Both counts are index-only scans: one
 * index entry per job (plus a heap visit per job until VACUUM has set the visibility map).
 *
 * The counting statements run with their plan pinned (`Database.queryPinned`), not left to the
 * table's statistics: a table never analyzed (before autovacuum's first pass) gets a bitmap heap
 * scan, 25 ms at 100,000 jobs against 17 ms for the index scan; an analyzed one can get a parallel
 * scan, whose worker start-up cost more than it saved on 2 cores (25 against 10 ms); and JIT
 * compiling a count costs more than it speeds up. The unfinished-jobs statement is also prepared
 * (planning it took 3-5 ms of the partitioned table's indexes each time).
 */
import { JOB_STATES, type JobCounts, type QueueSnapshot, type StatsStore } from '@switchyard/core';
import { type PgBossState, toJobState } from './codec.js';
import type { Database } from './database.js';

/** Planner settings of the two counting statements: index scans, one process, no JIT. */
export const COUNT_PLANNER_SETTINGS: Readonly<Record<string, string>> = Object.freeze({
  max_parallel_workers_per_gather: '0',
  enable_bitmapscan: 'off',
  enable_seqscan: 'off',
  jit: 'off',
});

/** One group of the unfinished-jobs statement. */
export interface WaitingGroup {
  name: string;
  state: PgBossState;
  count: string | number;
  /** Rows of the group not due yet (`start_after > now`). */
  later: string | number;
  /** Smallest `start_after` of the group. */
  oldest: Date | null;
}

/** One group of the finished-jobs statement. */
export interface FinishedGroup {
  name: string;
  state: PgBossState;
  count: string | number;
}

/** Builds the snapshots from the three statements' rows (pure: the time is `now`). */
export function queueSnapshots(
  queues: ReadonlyArray<{ name: string; paused: boolean }>,
  waiting: readonly WaitingGroup[],
  finished: readonly FinishedGroup[],
  now: number,
): QueueSnapshot[] {
  const snapshots = new Map<string, QueueSnapshot>();
  for (const queue of queues) {
    snapshots.set(queue.name, {
      queue: queue.name,
      counts: Object.fromEntries(JOB_STATES.map((state) => [state, 0])) as JobCounts,
      oldestPendingAt: null,
      paused: queue.paused,
    });
  }
  for (const group of waiting) {
    const snapshot = snapshots.get(group.name);
    if (!snapshot) continue;
    const count = Number(group.count);
    const later = Number(group.later);
    snapshot.counts[toJobState(group.state, now + 1, now)] += later;
    snapshot.counts[toJobState(group.state, now, now)] += count - later;
    // The group's earliest start_after is a pending job's runAt when it is due (every due row is pending).
    const due = (group.state === 'created' || group.state === 'retry') && count > later;
    if (due && group.oldest !== null) {
      const current = snapshot.oldestPendingAt;
      if (current === null || group.oldest.getTime() < current.getTime())
        snapshot.oldestPendingAt = group.oldest;
    }
  }
  for (const group of finished) {
    const snapshot = snapshots.get(group.name);
    if (snapshot) snapshot.counts[toJobState(group.state, now, now)] += Number(group.count);
  }
  return [...snapshots.values()];
}

/** The states job_i14 holds: the unfinished ones, and failed. */
const I14_STATES = `('created', 'retry', 'active', 'failed')`;

/**
 * One row per (queue, state) that holds unfinished jobs, as {@link WaitingGroup} (`$1` is now). The groups
 * are found by walking job_i14 from one (name, state) to the next (one index descent per group, however
 * many jobs it holds); then each group's count is a range of the index, and for the states that wait
 * (created, retry) the count not yet due and the smallest `start_after` are a range and two probes
 * (`blocked` sits between state and start_after in the index, so each value of it is its own range).
 * Every subquery repeats `state IN (...)` so the planner can use the partial index. Against one grouped
 * pass over the rows, this saves the grouping work per row (100,000 jobs in one queue: 13.6 against
 * 18.6 ms) and costs about 12 µs per group (200 queues with jobs in two states: 10 against 6 ms).
 */
export function unfinishedGroupsSql(s: string): string {
  const inGroup = `j.state IN ${I14_STATES} AND j.name = g.name AND j.state = g.state`;
  const first = (blocked: string) =>
    `(SELECT j.start_after FROM ${s}.job j WHERE ${inGroup} AND ${blocked} ORDER BY j.start_after LIMIT 1)`;
  return `WITH RECURSIVE grp AS (
      (SELECT j.name, j.state FROM ${s}.job j WHERE j.state IN ${I14_STATES} ORDER BY j.name, j.state LIMIT 1)
      UNION ALL
      SELECT n.name, n.state FROM grp g CROSS JOIN LATERAL (
        SELECT j.name, j.state FROM ${s}.job j
         WHERE j.state IN ${I14_STATES} AND (j.name, j.state) > (g.name, g.state)
         ORDER BY j.name, j.state LIMIT 1) n
    )
    SELECT g.name, g.state,
           (SELECT count(*) FROM ${s}.job j WHERE ${inGroup}) AS count,
           CASE WHEN g.state IN ('created', 'retry') THEN
             (SELECT count(*) FROM ${s}.job j WHERE ${inGroup} AND j.blocked IN (false, true) AND j.start_after > $1)
           ELSE 0 END AS later,
           CASE WHEN g.state IN ('created', 'retry') THEN
             LEAST(${first('NOT j.blocked')}, ${first('j.blocked')})
           END AS oldest
      FROM grp g`;
}

/** Queue statistics of one schema. */
export class PgStatsStore implements StatsStore {
  constructor(
    private readonly db: Database,
    private readonly schema: string,
    private readonly now: () => number,
  ) {}

  async queues(): Promise<QueueSnapshot[]> {
    const s = this.schema;
    const now = this.now();
    const [queues, waiting, finished] = await Promise.all([
      this.db.query<{ name: string; paused: boolean }>(
        'list queues with pause flags',
        `SELECT q.name, COALESCE(p.paused, false) AS paused
           FROM (SELECT name FROM ${s}.queue UNION SELECT name FROM ${s}.switchyard_queue) q
           LEFT JOIN ${s}.switchyard_queue p ON p.name = q.name
          ORDER BY q.name`,
      ),
      this.db.queryPinned<WaitingGroup & Record<string, unknown>>(
        'count unfinished jobs per queue',
        COUNT_PLANNER_SETTINGS,
        unfinishedGroupsSql(s),
        [new Date(now)],
        { prepared: true },
      ),
      this.db.queryPinned<FinishedGroup & Record<string, unknown>>(
        'count finished jobs per queue',
        COUNT_PLANNER_SETTINGS,
        `SELECT name, state, count(*) AS count
           FROM ${s}.job WHERE state IN ('completed', 'cancelled')
          GROUP BY state, name`,
        [],
      ),
    ]);
    return queueSnapshots(queues, waiting, finished, now);
  }
}
