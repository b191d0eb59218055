/**
 * Throughput history on both job-state stores: increments from two writers add up, reads by
 * minute and by hour, and maintenance prunes what is older than the yard's retention.
 */
import { emptyDurations, type HistoryCell, ManualClock } from '@switchyard/core';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { keyPrefixOf, REDIS_URL } from './conformance-adapter.js';
import { STORE_KINDS } from './ops-support.js';
import { eventually, newPrefix, startedAdaptersClosedAfterEach } from './support.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** A whole hour two hours ago: inside the default 7-day retention, so maintenance keeps it. */
const T0 = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;

function cell(at: number, counts: Partial<HistoryCell> & { slow?: number } = {}): HistoryCell {
  const durations = emptyDurations();
  durations[2] = counts.completed ?? 0;
  durations[durations.length - 1] = counts.slow ?? 0;
  return {
    at,
    queue: counts.queue ?? 'q',
    task: counts.task ?? 't',
    completed: counts.completed ?? 0,
    failed: counts.failed ?? 0,
    retried: counts.retried ?? 0,
    durations,
  };
}

const totals = (cells: HistoryCell[]) =>
  cells.reduce(
    (sum, one) => ({
      completed: sum.completed + one.completed,
      failed: sum.failed + one.failed,
      retried: sum.retried + one.retried,
      slow: sum.slow + (one.durations.at(-1) ?? 0),
    }),
    { completed: 0, failed: 0, retried: 0, slow: 0 },
  );

describe.each(STORE_KINDS)('throughput history on the %s store', (kind, createStore) => {
  const adapterFor = startedAdaptersClosedAfterEach();

  it('adds the cells of two writers, and reads them by minute and by hour', async () => {
    const prefix = newPrefix();
    const store = await createStore(prefix);
    const one = await adapterFor(prefix, { store });
    const two = await adapterFor(prefix, { store: kind === 'redis' ? await createStore(prefix) : store });
    await Promise.all([
      one.history.record([cell(T0, { completed: 2, failed: 1 }), cell(T0 + MINUTE, { completed: 1 })]),
      two.history.record([
        cell(T0, { completed: 3, retried: 2, slow: 1 }),
        cell(T0, { task: 'other', completed: 5 }),
      ]),
    ]);
    await two.history.record([cell(T0 + 61 * MINUTE, { completed: 7 })]);
    const minute = await one.history.read({
      from: new Date(T0),
      to: new Date(T0 + MINUTE),
      bucket: '1m',
      task: 't',
    });
    expect(minute).toHaveLength(1);
    expect(minute[0]).toMatchObject({ at: T0, queue: 'q', task: 't', completed: 5, failed: 1, retried: 2 });
    expect(minute[0]!.durations[2]).toBe(5);
    expect(minute[0]!.durations.at(-1)).toBe(1);
    expect(
      totals(await one.history.read({ from: new Date(T0), to: new Date(T0 + 2 * MINUTE), bucket: '1m' })),
    ).toEqual({
      completed: 11,
      failed: 1,
      retried: 2,
      slow: 1,
    });
    const hours = await two.history.read({
      from: new Date(T0),
      to: new Date(T0 + 2 * HOUR),
      bucket: '1h',
      task: 't',
    });
    expect(hours.map((stored) => [stored.at, stored.completed])).toEqual([
      [T0, 6],
      [T0 + HOUR, 7],
    ]);
    expect(
      await one.history.read({ from: new Date(T0), to: new Date(T0 + HOUR), bucket: '1h', queue: 'none' }),
    ).toEqual([]);
    expect(await one.history.read({ from: new Date(T0 - HOUR), to: new Date(T0), bucket: '1m' })).toEqual([]);
  });

  it('maintenance prunes cells older than historyRetentionMs on the yard clock', async () => {
    const prefix = newPrefix();
    const store = await createStore(prefix);
    const now = T0 + 10 * HOUR;
    const clock = new ManualClock(now);
    const adapter = await adapterFor(
      prefix,
      { store, retentionSweepIntervalMs: 30 * MINUTE },
      { clock, historyRetentionMs: 2 * HOUR },
    );
    // 100 minutes and 1 minute old: both inside the 2 h window for now.
    await adapter.history.record([
      cell(now - 100 * MINUTE, { completed: 2 }),
      cell(now - MINUTE, { completed: 4 }),
    ]);
    const stored = async () => {
      const [minutes, hours] = await Promise.all([
        adapter.history.read({ from: new Date(T0), to: new Date(now + 2 * HOUR), bucket: '1m' }),
        adapter.history.read({ from: new Date(T0), to: new Date(now + 2 * HOUR), bucket: '1h' }),
      ]);
      return JSON.stringify({
        minutes: minutes.map((one) => [one.at - now, one.completed]).sort(),
        hours: hours.map((one) => [one.at - now, one.completed]).sort(),
      });
    };
    const expectStored = (minutes: number[][], hours: number[][], what: string) =>
      eventually(
        async () => ((await stored()) === JSON.stringify({ minutes, hours }) ? true : undefined),
        5_000,
        what,
      );
    await expectStored(
      [
        [-100 * MINUTE, 2],
        [-MINUTE, 4],
      ].sort(),
      [
        [-2 * HOUR, 2],
        [-HOUR, 4],
      ].sort(),
      'both cells before any pruning',
    );
    // 30 minutes later the cutoff passes the older minute, not yet the end of its hour.
    clock.advance(30 * MINUTE);
    await expectStored(
      [[-MINUTE, 4]],
      [
        [-2 * HOUR, 2],
        [-HOUR, 4],
      ].sort(),
      'the old minute pruned',
    );
    clock.advance(30 * MINUTE);
    await expectStored([[-MINUTE, 4]], [[-HOUR, 4]], 'the old hour pruned');
    if (kind === 'redis') {
      const backdoor = new Redis(REDIS_URL);
      try {
        const ns = keyPrefixOf(prefix);
        expect(await backdoor.exists(`${ns}:hist:m:${now - 100 * MINUTE}`)).toBe(0);
        expect(await backdoor.exists(`${ns}:hist:h:${now - 2 * HOUR}`)).toBe(0);
        expect(await backdoor.zrange(`${ns}:hist:idx:m`, 0, -1)).toEqual([String(now - MINUTE)]);
        // Kept cells carry a TTL: retention plus their bucket, counted from the last write.
        const ttl = await backdoor.pttl(`${ns}:hist:m:${now - MINUTE}`);
        expect(ttl).toBeGreaterThan(2 * HOUR);
        expect(ttl).toBeLessThanOrEqual(2 * HOUR + MINUTE);
      } finally {
        backdoor.disconnect();
      }
    }
  });
});
