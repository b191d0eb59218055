/**
 * What the queue gauges show, read from the backend: one snapshot per queue. A yard is
 * read through its public API, so the numbers are the backend's, true across every
 * process that shares it.
 */
import type { JobState, Switchyard } from '@switchyard/core';

/** One queue as the backend reports it. */
export interface QueueSnapshot {
  queue: string;
  /** Jobs per state. */
  counts: Record<JobState, number>;
  /** Age of the oldest runnable job in ms; null when none waits or the backend cannot tell. */
  oldestPendingAgeMs: number | null;
  paused: boolean;
}

/** Reads every queue's snapshot. */
export type QueueSnapshotSource = () => Promise<QueueSnapshot[]>;

/** A yard: read through `stats.summary()`, or per queue for a specVersion 1 adapter. */
export type SnapshotYard = Pick<Switchyard, 'jobs' | 'queues' | 'stats' | 'adapter'>;

/** Snapshots of every queue a yard's backend knows. */
export function yardSnapshots(yard: SnapshotYard): QueueSnapshotSource {
  return async () => {
    if (yard.adapter.specVersion === 2) {
      const { queues } = await yard.stats.summary();
      return queues.map(({ queue, counts, oldestPendingAgeMs, paused }) => ({
        queue,
        counts,
        oldestPendingAgeMs,
        paused,
      }));
    }
    // An adapter without the operations contract: per queue, and the oldest pending age is unknown.
    const queues = await yard.queues.list();
    return Promise.all(
      queues.map(async (queue) => {
        const [counts, paused] = await Promise.all([
          yard.jobs.counts({ queue }),
          yard.queues.isPaused(queue),
        ]);
        return { queue, counts, oldestPendingAgeMs: null, paused };
      }),
    );
  };
}
