import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { InvalidOptionsError } from '../src/errors.js';
import {
  bucketStart,
  DURATION_BUCKETS_MS,
  durationBucket,
  emptyDurations,
  HistoryRecorder,
  historyPoints,
  normalizeHistoryQuery,
  quantileFromBuckets,
} from '../src/history.js';
import { silentLogger } from '../src/logger.js';
import type { HistoryCell, HistoryStore } from '../src/operations-contract.js';

const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);

describe('duration buckets and quantiles', () => {
  it.each([
    [0, 0],
    [1, 0],
    [1.5, 1],
    [100, 6],
    [101, 7],
    [3_600_000, 20],
    [3_600_001, 21],
  ])('%i ms falls in bucket %i', (ms, index) => {
    expect(durationBucket(ms)).toBe(index);
  });

  it('interpolates within the bucket that holds the quantile', () => {
    const counts = emptyDurations();
    counts[durationBucket(150)] = 10; // (100, 200]
    expect(quantileFromBuckets(counts, 0.5)).toBe(150);
    expect(quantileFromBuckets(counts, 1)).toBe(200);
    counts[durationBucket(4000)] = 10; // (2000, 5000]
    expect(quantileFromBuckets(counts, 0.5)).toBe(200);
    expect(quantileFromBuckets(counts, 0.95)).toBe(2000 + 3000 * 0.9);
  });

  it('reports null without data and the lower bound for the open top bucket', () => {
    expect(quantileFromBuckets(emptyDurations(), 0.5)).toBeNull();
    const counts = emptyDurations();
    counts[DURATION_BUCKETS_MS.length] = 3;
    expect(quantileFromBuckets(counts, 0.5)).toBe(3_600_000);
  });
});

describe('normalizeHistoryQuery', () => {
  it('widens the range to whole buckets', () => {
    const query = normalizeHistoryQuery({ from: T0 + 30_000, to: T0 + 150_000, bucket: '1m', queue: 'q' });
    expect(query).toEqual({ from: new Date(T0), to: new Date(T0 + 180_000), bucket: '1m', queue: 'q' });
    expect(bucketStart(T0 + 59 * 60_000, '1h')).toBe(T0);
  });

  it.each([
    [{ from: T0, to: T0, bucket: '1m' }, /from must be before to/],
    [{ from: T0 + 1, to: T0, bucket: '1h' }, /from must be before to/],
    [{ from: T0, to: T0 + 1, bucket: '5m' }, /bucket must be '1m' or '1h'/],
    [{ from: T0, to: T0 + 1 }, /bucket must be/],
    [{ from: 'later', to: T0, bucket: '1m' }, /from must be a Date/],
    [{ from: T0, to: T0 + 1, bucket: '1m', tenant: 'a' }, /unknown option "tenant"/],
    [{ from: T0, to: T0 + 10_000 * 60_000, bucket: '1m' }, /at most 5000 buckets/],
    [{ from: T0, to: T0 + 1, bucket: '1m', task: '' }, /task must match/],
    [null, /takes \{ from, to, bucket/],
  ])('refuses %o', (query, message) => {
    expect(() => normalizeHistoryQuery(query)).toThrow(InvalidOptionsError);
    expect(() => normalizeHistoryQuery(query)).toThrow(message);
  });
});

describe('historyPoints', () => {
  const cell = (at: number, queue: string, completed: number, duration: number): HistoryCell => {
    const durations = emptyDurations();
    durations[durationBucket(duration)] = completed;
    return { at, queue, task: 't', completed, failed: 1, retried: 2, durations };
  };

  it('sums minute cells into hourly points, fills empty buckets and filters by queue', () => {
    const range = normalizeHistoryQuery({ from: T0, to: T0 + 2 * 3_600_000, bucket: '1h', queue: 'a' });
    const result = historyPoints(
      [
        cell(T0, 'a', 4, 10),
        cell(T0 + 60_000, 'a', 4, 10),
        cell(T0, 'b', 100, 10),
        cell(T0 + 9e9, 'a', 1, 1),
      ],
      range,
    );
    expect(result.points).toEqual([
      {
        at: new Date(T0),
        completed: 8,
        failed: 2,
        retried: 4,
        durationP50Ms: 7.5,
        durationP95Ms: expect.any(Number),
      },
      {
        at: new Date(T0 + 3_600_000),
        completed: 0,
        failed: 0,
        retried: 0,
        durationP50Ms: null,
        durationP95Ms: null,
      },
    ]);
  });
});

describe('HistoryRecorder', () => {
  function recorder(store: HistoryStore) {
    const clock = new ManualClock(T0 + 5_000);
    return { clock, history: new HistoryRecorder(store, clock, silentLogger, 1000) };
  }

  it('aggregates per minute, queue and task and writes once per flush interval', async () => {
    const writes: HistoryCell[][] = [];
    const { clock, history } = recorder({
      record: async (cells) => void writes.push(cells),
      read: async () => [],
    });
    const labels = { queue: 'q', task: 't' };
    history.increment('jobs_completed_total', labels);
    history.observe('job_duration_seconds', 0.15, labels);
    history.increment('jobs_completed_total', labels);
    history.increment('jobs_retried_total', labels);
    history.increment('jobs_failed_total', { queue: 'q', task: 'other' });
    history.increment('jobs_enqueued_total', labels);
    expect(writes).toEqual([]);
    await clock.advance(1000);
    await history.flush();
    expect(writes).toHaveLength(1);
    const [first, second] = writes[0]!;
    expect(first).toMatchObject({ at: T0, queue: 'q', task: 't', completed: 2, failed: 0, retried: 1 });
    expect(first!.durations[durationBucket(150)]).toBe(1);
    expect(second).toMatchObject({ task: 'other', failed: 1 });
    await history.close();
    expect(writes).toHaveLength(1);
  });

  it('keeps counts when the backend refuses them and writes them (merged) later', async () => {
    const writes: HistoryCell[][] = [];
    let down = true;
    const { history } = recorder({
      record: async (cells) => {
        if (down) throw new Error('backend down');
        writes.push(cells);
      },
      read: async () => [],
    });
    const labels = { queue: 'q', task: 't' };
    history.increment('jobs_completed_total', labels);
    await history.flush();
    history.increment('jobs_completed_total', labels);
    down = false;
    await history.flush();
    expect(writes).toEqual([[expect.objectContaining({ completed: 2 })]]);
  });
});
