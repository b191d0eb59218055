/**
 * Queue statistics: counts per state, pause flag and oldest pending job of every queue, read
 * in one script call (`lua/queue-stats.ts`); `jobs.counts` uses the same script.
 */
import { JOB_STATES, type JobCounts, type QueueSnapshot, type StatsStore } from '@switchyard/core';
import type { AdapterContext } from './context.js';
import { wrapErrors } from './errors.js';

/** Up to this many pending jobs per queue, `oldestPendingAt` reads every one of them. */
export const OLDEST_EXACT_LIMIT = 500;
/** Beyond it, the jobs read at the head of each priority band. */
export const OLDEST_HEAD_PER_BAND = 50;

/** One queue's reply: seven counts in `JOB_STATES` order, paused (0|1), oldest runAt ('' = none). */
type QueueStatsReply = [...counts: number[], paused: number, oldest: string];

/** Zero for every state. */
export function emptyCounts(): JobCounts {
  return Object.fromEntries(JOB_STATES.map((state) => [state, 0])) as JobCounts;
}

/** One reply row → snapshot (pure). */
export function toSnapshot(queue: string, row: QueueStatsReply): QueueSnapshot {
  const counts = emptyCounts();
  JOB_STATES.forEach((state, index) => {
    counts[state] = Number(row[index] ?? 0);
  });
  const oldest = row[JOB_STATES.length + 1];
  return {
    queue,
    counts,
    paused: Number(row[JOB_STATES.length]) === 1,
    oldestPendingAt: oldest === '' || oldest === undefined ? null : new Date(Number(oldest)),
  };
}

/** Snapshots of `queues` (one script call). */
export async function readSnapshots(
  context: AdapterContext,
  queues: string[],
  withOldest: boolean,
): Promise<QueueSnapshot[]> {
  if (queues.length === 0) return [];
  const rows = (await context.scripts.call('syQueueStats', [
    context.prefix,
    OLDEST_EXACT_LIMIT,
    OLDEST_HEAD_PER_BAND,
    withOldest ? '1' : '0',
    context.clock.now(),
    ...queues,
  ])) as QueueStatsReply[];
  return queues.map((queue, index) => toSnapshot(queue, rows[index] as QueueStatsReply));
}

/** Counts per state of one queue or of all known queues. */
export async function countJobs(context: AdapterContext, queue?: string): Promise<JobCounts> {
  const queues = queue !== undefined ? [queue] : await context.knownQueues();
  const counts = emptyCounts();
  for (const snapshot of await readSnapshots(context, queues, false)) {
    for (const state of JOB_STATES) counts[state] += snapshot.counts[state];
  }
  return counts;
}

/** Builds the stats store. */
export function createStatsStore(context: AdapterContext): StatsStore {
  return {
    queues: () =>
      wrapErrors('stats.queues', async () => readSnapshots(context, await context.knownQueues(), true)),
  };
}
