/**
 * `stats.queues()`: every queue with its counts per state, its pause flag and its oldest
 * pending job, from three statements run side by side on the pool, none reading the
 * table: waiting, running and failed jobs from pg-boss's `job_i14 (name, state, blocked,
 * start_after)` (an index-only scan already in queue and state order, so the counts
 * stream without hashing, and the smallest `start_after` of each group comes with them);
 * completed and cancelled ones from `switchyard_job_finished` (index-only); queue names
 * and pause flags from the two small queue tables. The cost is one index entry per job.
 */
import { JOB_STATES, type JobCounts, type QueueSnapshot, type StatsStore } from '@switchyard/core';
import { type PgBossState, toJobState } from './codec.js';
import type { Database } from './database.js';

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
      this.db.query<WaitingGroup & Record<string, unknown>>(
        'count unfinished jobs per queue',
        `SELECT name, state, count(*) AS count, count(*) FILTER (WHERE start_after > $1) AS later,
                min(start_after) AS oldest
           FROM ${s}.job WHERE state IN ('created', 'retry', 'active', 'failed')
          GROUP BY name, state`,
        [new Date(now)],
      ),
      this.db.query<FinishedGroup & Record<string, unknown>>(
        'count finished jobs per queue',
        `SELECT name, state, count(*) AS count
           FROM ${s}.job WHERE state IN ('completed', 'cancelled')
          GROUP BY state, name`,
      ),
    ]);
    return queueSnapshots(queues, waiting, finished, now);
  }
}
