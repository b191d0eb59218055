/**
 * The workers registry and the throughput history on real Redis, read back raw where the
 * storage matters: entries seen from a second process, expiry, increments from two
 * writers adding up, minute and hour reads, and retention (key TTLs plus core's clock).
 */
import { emptyDurations, type HistoryCell, ManualClock } from '@switchyard/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cellIncrements, cellsOfHash } from '../src/history.js';
import { type Harness, startHarness } from './harness.js';
import { requireRedis } from './redis-required.js';

beforeAll(requireRedis);

let h: Harness | undefined;
afterEach(async () => {
  const current = h;
  h = undefined;
  await current?.close();
});

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function cell(at: number, counts: Partial<HistoryCell> = {}): HistoryCell {
  return {
    at,
    queue: 'q',
    task: 't',
    completed: 0,
    failed: 0,
    retried: 0,
    durations: emptyDurations(),
    ...counts,
  };
}

describe('bullmq workers registry', () => {
  it('put, list from another process, refresh, remove', async () => {
    h = await startHarness();
    const other = await h.second();
    const now = Date.now();
    await h.adapter.workers.put('w1', '{"a":1}', new Date(now + 30_000));
    await h.adapter.workers.put('w2', '{"b":2}', new Date(now + 30_000));
    expect((await other.workers.list(new Date(now))).sort()).toEqual(['{"a":1}', '{"b":2}']);
    await h.adapter.workers.put('w1', '{"a":3}', new Date(now + 60_000));
    expect(await h.raw.zscore(`${h.prefix}::sy:workers`, 'w1')).toBe(String(now + 60_000));
    expect((await other.workers.list(new Date(now))).sort()).toEqual(['{"a":3}', '{"b":2}']);
    await other.workers.remove('w2');
    expect(await h.adapter.workers.list(new Date(now))).toEqual(['{"a":3}']);
    expect(await h.raw.hkeys(`${h.prefix}::sy:workers:data`)).toEqual(['w1']);
  });

  it('an entry past its expiry is not listed and is deleted', async () => {
    h = await startHarness();
    const now = Date.now();
    await h.adapter.workers.put('dead', 'x', new Date(now + 1000));
    await h.adapter.workers.put('alive', 'y', new Date(now + 5000));
    expect(await h.adapter.workers.list(new Date(now + 999))).toEqual(['x', 'y']);
    expect(await h.adapter.workers.list(new Date(now + 1000))).toEqual(['y']);
    expect(await h.raw.zrange(`${h.prefix}::sy:workers`, 0, -1)).toEqual(['alive']);
    expect(await h.raw.hkeys(`${h.prefix}::sy:workers:data`)).toEqual(['alive']);
  });
});

describe('bullmq history', () => {
  it('adds the counts of two writers into one minute cell and one hour cell', async () => {
    h = await startHarness();
    const other = await h.second();
    const at = Math.floor(Date.now() / HOUR) * HOUR + 5 * MINUTE;
    const durations = emptyDurations();
    durations[3] = 2;
    await h.adapter.history.record([cell(at, { completed: 2, retried: 1, durations })]);
    await other.history.record([
      cell(at, { completed: 1, failed: 4, durations }),
      cell(at + MINUTE, { completed: 7 }),
      { ...cell(at, { completed: 9 }), task: 'other' },
    ]);
    const minutes = await h.adapter.history.read({
      from: new Date(at),
      to: new Date(at + 2 * MINUTE),
      bucket: '1m',
      task: 't',
    });
    const expectedDurations = emptyDurations();
    expectedDurations[3] = 4;
    expect(minutes.sort((a, b) => a.at - b.at)).toEqual([
      cell(at, { completed: 3, failed: 4, retried: 1, durations: expectedDurations }),
      cell(at + MINUTE, { completed: 7 }),
    ]);
    const hours = await other.history.read({
      from: new Date(at - 5 * MINUTE),
      to: new Date(at + HOUR),
      bucket: '1h',
      queue: 'q',
    });
    expect(hours.sort((a, b) => a.task.localeCompare(b.task))).toEqual([
      { ...cell(at - 5 * MINUTE, { completed: 9 }), task: 'other' },
      cell(at - 5 * MINUTE, { completed: 10, failed: 4, retried: 1, durations: expectedDurations }),
    ]);
    // Kept for the end of the bucket plus the retention (7 days in the harness).
    const ttl = await h.raw.pttl(`${h.prefix}::sy:history:1m:${at}`);
    const expected = at + MINUTE + 7 * 24 * HOUR - Date.now();
    expect(ttl).toBeGreaterThan(expected - 5_000);
    expect(ttl).toBeLessThanOrEqual(expected + 5_000);
  });

  it('prunes by the retention on the clock core uses: old cells are not written, nor read once expired', async () => {
    const clock = new ManualClock(Date.UTC(2030, 0, 1, 12));
    h = await startHarness({ clock, historyRetentionMs: HOUR });
    const now = clock.now();
    await h.adapter.history.record([
      cell(now - 2 * HOUR, { completed: 1 }),
      cell(now - MINUTE, { completed: 2 }),
    ]);
    expect(await h.raw.exists(`${h.prefix}::sy:history:1m:${now - 2 * HOUR}`)).toBe(0);
    const range = { from: new Date(now - 3 * HOUR), to: new Date(now + MINUTE), bucket: '1m' as const };
    expect((await h.adapter.history.read(range)).map((c) => c.completed)).toEqual([2]);
    const ttl = await h.raw.pttl(`${h.prefix}::sy:history:1m:${now - MINUTE}`);
    expect(ttl).toBeGreaterThan(HOUR - 5_000);
    expect(ttl).toBeLessThanOrEqual(HOUR);
    clock.advance(HOUR + MINUTE);
    expect(await h.adapter.history.read(range)).toEqual([]);
  });

  it('encodes cells as hash fields and back (pure)', () => {
    const durations = emptyDurations();
    durations[0] = 1;
    durations[21] = 5;
    const original = cell(60_000, { completed: 3, failed: 0, retried: 2, durations });
    const increments = cellIncrements(original);
    expect(increments).toEqual([
      ['q|t|c', 3],
      ['q|t|r', 2],
      ['q|t|d0', 1],
      ['q|t|d21', 5],
    ]);
    expect(cellsOfHash(60_000, [...increments.flat().map(String), 'junk', '1', 'q|t|zz', '4'])).toEqual([
      original,
    ]);
  });
});
