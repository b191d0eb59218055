/**
 * Throughput history: one Redis hash per minute and one per hour
 * (`::sy:history:1m:<start>`, `::sy:history:1h:<start>`), with a field per
 * (queue, task, counter): `<queue>|<task>|c` completed, `|f` failed, `|r` retried and
 * `|d<i>` for duration bucket i. `record` adds a batch of cells to both hashes with
 * HINCRBY in one MULTI (so two writers add up) and sets each hash's TTL to the end of
 * its bucket plus the retention; `read` returns minute cells for `'1m'` and hourly
 * cells for `'1h'` (168 hashes for a week).
 */
import {
  bucketStart,
  DURATION_BUCKETS_MS,
  emptyDurations,
  type HistoryBucket,
  type HistoryCell,
  type HistoryStore,
} from '@switchyard/core';
import type { AdapterContext } from './context.js';
import { wrapErrors } from './errors.js';
import { historyKey } from './keys.js';

const BUCKET_MS: Record<HistoryBucket, number> = { '1m': 60_000, '1h': 3_600_000 };
/** `|` never appears in queue or task names (`[A-Za-z0-9._:-]`). */
const SEPARATOR = '|';

/** The hash field increments of one cell (pure): field → amount, zero counts left out. */
export function cellIncrements(cell: HistoryCell): Array<[field: string, amount: number]> {
  const stem = `${cell.queue}${SEPARATOR}${cell.task}${SEPARATOR}`;
  const increments: Array<[string, number]> = [];
  if (cell.completed > 0) increments.push([`${stem}c`, cell.completed]);
  if (cell.failed > 0) increments.push([`${stem}f`, cell.failed]);
  if (cell.retried > 0) increments.push([`${stem}r`, cell.retried]);
  cell.durations.forEach((count, index) => {
    if (count > 0) increments.push([`${stem}d${index}`, count]);
  });
  return increments;
}

/** One bucket's hash → its cells, one per (queue, task) (pure). Unknown fields are ignored. */
export function cellsOfHash(at: number, flat: string[]): HistoryCell[] {
  const cells = new Map<string, HistoryCell>();
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const field = flat[i] as string;
    const amount = Number(flat[i + 1]);
    const parts = field.split(SEPARATOR);
    if (parts.length !== 3 || !Number.isFinite(amount)) continue;
    const [queue, task, counter] = parts as [string, string, string];
    let cell = cells.get(`${queue}${SEPARATOR}${task}`);
    if (!cell) {
      cell = { at, queue, task, completed: 0, failed: 0, retried: 0, durations: emptyDurations() };
      cells.set(`${queue}${SEPARATOR}${task}`, cell);
    }
    if (counter === 'c') cell.completed += amount;
    else if (counter === 'f') cell.failed += amount;
    else if (counter === 'r') cell.retried += amount;
    else if (/^d\d+$/.test(counter)) {
      const index = Number(counter.slice(1));
      if (index <= DURATION_BUCKETS_MS.length) cell.durations[index] = (cell.durations[index] ?? 0) + amount;
    }
  }
  return [...cells.values()];
}

/** Builds the history store; `retentionMs` is read when called (it is set by `start()`). */
export function createHistoryStore(context: AdapterContext, retentionMs: () => number): HistoryStore {
  const { client, prefix } = context;
  return {
    record: (cells) =>
      wrapErrors('history.record', async () => {
        const now = context.clock.now();
        const retention = retentionMs();
        const multi = client.multi();
        let commands = 0;
        for (const cell of cells) {
          const increments = cellIncrements(cell);
          if (increments.length === 0) continue;
          for (const bucket of ['1m', '1h'] as const) {
            const at = bucketStart(cell.at, bucket);
            // Kept until the end of its bucket plus the retention, on the clock core uses.
            const ttl = at + BUCKET_MS[bucket] + retention - now;
            if (ttl <= 0) continue;
            const key = historyKey(prefix, bucket, at);
            for (const [field, amount] of increments) multi.hincrby(key, field, amount);
            multi.pexpire(key, ttl);
            commands++;
          }
        }
        if (commands === 0) {
          multi.discard();
          return;
        }
        const replies = await multi.exec();
        const failed = replies?.find(([error]) => error);
        if (!replies || failed) throw failed?.[0] ?? new Error('the history transaction was aborted');
      }),

    read: (query) =>
      wrapErrors('history.read', async () => {
        const size = BUCKET_MS[query.bucket];
        const first = bucketStart(query.from.getTime(), query.bucket);
        const count = Math.max(0, Math.ceil((query.to.getTime() - first) / size));
        if (count === 0) return [];
        const reply = (await context.scripts.call('syReadHistory', [
          prefix,
          query.bucket,
          first,
          size,
          count,
        ])) as Array<[at: string, fields: string[]]>;
        // Redis expires on its own clock; core's clock decides what is past the retention.
        const oldest = context.clock.now() - retentionMs();
        const from = query.from.getTime();
        const to = query.to.getTime();
        return reply
          .flatMap(([at, fields]) => cellsOfHash(Number(at), fields))
          .filter(
            (cell) =>
              cell.at + size > oldest &&
              cell.at >= from &&
              cell.at < to &&
              (query.queue === undefined || cell.queue === query.queue) &&
              (query.task === undefined || cell.task === query.task),
          );
      }),
  };
}
