/** The overview's arithmetic (pure): history windows, per-minute rates, unattended queues. */
import type { History, QueueSummary } from './types.ts';

/** The chart ranges. */
export type HistoryRange = 'hour' | 'day' | 'week';

const RANGE_MS: Record<HistoryRange, number> = { hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000 };

/** The history query for a range ending now: minute buckets up to a day, hour buckets for a week. */
export function historyWindow(
  range: HistoryRange,
  now: number,
): { from: string; to: string; bucket: '1m' | '1h' } {
  return {
    from: new Date(now - RANGE_MS[range]).toISOString(),
    to: new Date(now).toISOString(),
    bucket: range === 'week' ? '1h' : '1m',
  };
}

/** Chart columns: times in epoch seconds, counts per minute (hour buckets divided by 60). */
export function perMinute(history: History): {
  times: number[];
  completed: number[];
  failed: number[];
  retried: number[];
} {
  const minutes = history.bucket === '1h' ? 60 : 1;
  const rate = (count: number) => Math.round((count / minutes) * 100) / 100;
  return {
    times: history.points.map((point) => Date.parse(point.at) / 1000),
    completed: history.points.map((point) => rate(point.completed)),
    failed: history.points.map((point) => rate(point.failed)),
    retried: history.points.map((point) => rate(point.retried)),
  };
}

/** Queues with pending jobs that no live worker consumes (paused queues wait on purpose). */
export function unattendedQueues(queues: QueueSummary[]): QueueSummary[] {
  return queues.filter((queue) => queue.counts.pending > 0 && queue.workers === 0 && !queue.paused);
}
