/**
 * Throughput history: increments from two writers add up (counts and duration histograms),
 * reads by minute and by hour (hour rows), filters, and pruning past the window.
 */
import { DURATION_BUCKETS_MS, emptyDurations, type HistoryCell, ManualClock } from '@switchyard/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertDatabaseReachable } from './database-url.js';
import { PgTestScope, waitFor } from './helpers.js';

let scope: PgTestScope;
beforeAll(assertDatabaseReachable);
afterEach(async (context) => {
  await scope.dispose(context.task.result?.state !== 'fail');
});

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function cell(at: number, queue: string, task: string, n: number): HistoryCell {
  const durations = emptyDurations();
  durations[n % durations.length] = n;
  durations[durations.length - 1] = 1;
  return { at, queue, task, completed: n, failed: n % 3, retried: n % 2, durations };
}

/** Sums cells per key (the model the store must match). */
function sumBy(cells: HistoryCell[], key: (cell: HistoryCell) => number): Map<string, HistoryCell> {
  const sums = new Map<string, HistoryCell>();
  for (const c of cells) {
    const at = key(c);
    const id = `${at}|${c.queue}|${c.task}`;
    const sum = sums.get(id) ?? {
      ...c,
      at,
      completed: 0,
      failed: 0,
      retried: 0,
      durations: emptyDurations(),
    };
    sum.completed += c.completed;
    sum.failed += c.failed;
    sum.retried += c.retried;
    sum.durations = sum.durations.map((value, index) => value + c.durations[index]!);
    sums.set(id, sum);
  }
  return sums;
}

const sorted = (cells: Iterable<HistoryCell>) =>
  [...cells].sort((a, b) => a.at - b.at || a.queue.localeCompare(b.queue) || a.task.localeCompare(b.task));

describe('history', () => {
  it('increments from two writers add up, read by minute and by hour', async () => {
    scope = new PgTestScope();
    const a = await scope.adapter();
    const b = await scope.adapter();
    const base = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
    // Three hours of minutes (some sparse), two queues, two tasks; both writers hit the same cells.
    const batches: HistoryCell[][] = [];
    for (let round = 0; round < 20; round++) {
      const batch: HistoryCell[] = [];
      for (let minute = 0; minute < 180; minute += 7) {
        for (const queue of ['q1', 'q2'])
          for (const task of ['t1', 't2'])
            batch.push(cell(base + minute * MINUTE, queue, task, round + minute + queue.length));
      }
      batches.push(round % 2 ? batch.reverse() : batch);
    }
    // Concurrent upserts of overlapping cells, written in opposite orders: none may be lost or deadlock.
    await Promise.all(batches.map((batch, index) => (index % 2 ? a : b).history.record(batch)));
    const all = batches.flat();

    const minutes = await a.history.read({
      from: new Date(base),
      to: new Date(base + 3 * HOUR),
      bucket: '1m',
    });
    expect(minutes).toEqual(sorted(sumBy(all, (c) => c.at).values()));
    expect(minutes[0]!.durations).toHaveLength(DURATION_BUCKETS_MS.length + 1);

    const hours = await b.history.read({ from: new Date(base), to: new Date(base + 3 * HOUR), bucket: '1h' });
    expect(hours).toEqual(sorted(sumBy(all, (c) => Math.floor(c.at / HOUR) * HOUR).values()));
    expect(hours).toHaveLength(3 * 4);

    const filtered = await a.history.read({
      from: new Date(base + HOUR),
      to: new Date(base + 2 * HOUR),
      bucket: '1h',
      queue: 'q2',
      task: 't1',
    });
    expect(filtered).toEqual(
      sorted(
        sumBy(
          all.filter(
            (c) => c.queue === 'q2' && c.task === 't1' && c.at >= base + HOUR && c.at < base + 2 * HOUR,
          ),
          (c) => Math.floor(c.at / HOUR) * HOUR,
        ).values(),
      ),
    );
    // An hourly read over a range that is not whole hours gets minute cells (core sums them).
    const ragged = await a.history.read({
      from: new Date(base + 30 * MINUTE),
      to: new Date(base + 40 * MINUTE),
      bucket: '1h',
      queue: 'q1',
      task: 't1',
    });
    expect(ragged.map((c) => c.at)).toEqual([base + 35 * MINUTE]);
  });

  it('maintenance prunes cells older than historyRetentionMs, minute and hour rows alike', async () => {
    scope = new PgTestScope();
    const clock = new ManualClock(Date.UTC(2030, 0, 1, 12));
    const retention = 2 * HOUR;
    const adapter = await scope.adapter({}, { clock, historyRetentionMs: retention });
    const now = clock.now();
    await adapter.history.record([
      cell(now - 3 * HOUR, 'q', 't', 1), // past the window
      cell(now - HOUR - 30 * MINUTE, 'q', 't', 2), // inside
      cell(now - MINUTE, 'q', 't', 3),
    ]);
    const stored = async () =>
      (
        await scope.raw.query(
          `SELECT grain::text || ' ' || (extract(epoch FROM at) * 1000)::bigint AS row
             FROM ${scope.schema}.switchyard_history ORDER BY grain, at`,
        )
      ).rows.map((row) => row.row);
    expect(await stored()).toHaveLength(6);
    await clock.advance(60_000); // one upkeep interval
    await waitFor(async () => (await stored()).length === 4, 5000, 'the old cells to be pruned');
    const cutoff = clock.now() - 60_000 - retention;
    expect(await stored()).toEqual([
      `h ${Math.floor((now - HOUR - 30 * MINUTE) / HOUR) * HOUR}`,
      `h ${now - HOUR}`,
      `m ${now - HOUR - 30 * MINUTE}`,
      `m ${now - MINUTE}`,
    ]);
    expect(now - HOUR - 30 * MINUTE).toBeGreaterThan(cutoff);
  });
});
