/**
 * `stats.summary()`: one snapshot of every queue — counts per state, oldest pending
 * age and pause flag (from the backend), live workers consuming it (from the workers
 * registry) and jobs per minute over the last five minutes (from the history).
 */
import { bucketStart } from './history.js';
import { JOB_STATES, type JobCounts } from './job.js';
import type { HistoryCell, QueueSnapshot } from './operations-contract.js';
import type { WorkerInfo } from './worker-presence.js';

/** How many minutes `jobsPerMinute` averages over. */
export const THROUGHPUT_WINDOW_MINUTES = 5;

/** One queue in `stats.summary()`. */
export interface QueueSummary {
  queue: string;
  counts: JobCounts;
  /** Age of the oldest job ready to run (pending), ms; null when none waits. */
  oldestPendingAgeMs: number | null;
  paused: boolean;
  /** Live workers that take jobs from this queue. */
  workers: number;
  /** Jobs finished (completed or failed) per minute, averaged over the last five minutes. */
  jobsPerMinute: number;
}

/** The answer of `stats.summary()`. */
export interface StatsSummary {
  at: Date;
  queues: QueueSummary[];
  totals: { counts: JobCounts; workers: number; jobsPerMinute: number };
}

/** Combines the backend's snapshots, the live workers and recent history into the summary. */
export function summarize(
  snapshots: QueueSnapshot[],
  workers: WorkerInfo[],
  recent: HistoryCell[],
  now: number,
): StatsSummary {
  const since = bucketStart(now, '1m') - (THROUGHPUT_WINDOW_MINUTES - 1) * 60_000;
  const finished = new Map<string, number>();
  for (const cell of recent) {
    if (cell.at < since) continue;
    finished.set(cell.queue, (finished.get(cell.queue) ?? 0) + cell.completed + cell.failed);
  }
  const queues = snapshots
    .map((snapshot) => ({
      queue: snapshot.queue,
      counts: { ...snapshot.counts },
      oldestPendingAgeMs:
        snapshot.oldestPendingAt === null ? null : Math.max(0, now - snapshot.oldestPendingAt.getTime()),
      paused: snapshot.paused,
      workers: workers.filter((worker) => worker.queues.includes(snapshot.queue)).length,
      jobsPerMinute: (finished.get(snapshot.queue) ?? 0) / THROUGHPUT_WINDOW_MINUTES,
    }))
    .sort((a, b) => a.queue.localeCompare(b.queue));
  const counts = Object.fromEntries(JOB_STATES.map((state) => [state, 0])) as JobCounts;
  for (const queue of queues) for (const state of JOB_STATES) counts[state] += queue.counts[state];
  return {
    at: new Date(now),
    queues,
    totals: {
      counts,
      workers: workers.length,
      jobsPerMinute: queues.reduce((sum, queue) => sum + queue.jobsPerMinute, 0),
    },
  };
}
