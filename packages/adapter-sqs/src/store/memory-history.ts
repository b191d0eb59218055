/**
 * Throughput history of the in-memory store: cells per minute and per hour, each bucket a map
 * of (queue, task) cells, so reading a range touches only the buckets it covers.
 */
import { addCell, bucketStart, emptyDurations, type HistoryCell } from '@switchyard/core';
import type { HistoryRange } from './operations-types.js';

const KINDS = [
  ['1m', 60_000],
  ['1h', 3_600_000],
] as const;

/** Minute and hour cells in maps, pruned on request. */
export class MemoryHistory {
  private readonly buckets = { '1m': new Map<number, Map<string, HistoryCell>>(), '1h': new Map() } as Record<
    '1m' | '1h',
    Map<number, Map<string, HistoryCell>>
  >;

  record(cells: HistoryCell[]): void {
    for (const cell of cells) {
      for (const [kind] of KINDS) {
        const at = bucketStart(cell.at, kind);
        let bucket = this.buckets[kind].get(at);
        if (bucket === undefined) {
          bucket = new Map();
          this.buckets[kind].set(at, bucket);
        }
        const key = `${cell.queue}|${cell.task}`;
        let stored = bucket.get(key);
        if (stored === undefined) {
          stored = {
            at,
            queue: cell.queue,
            task: cell.task,
            completed: 0,
            failed: 0,
            retried: 0,
            durations: emptyDurations(),
          };
          bucket.set(key, stored);
        }
        addCell(stored, cell);
      }
    }
  }

  read(range: HistoryRange): HistoryCell[] {
    const out: HistoryCell[] = [];
    for (const [at, bucket] of this.buckets[range.bucket]) {
      if (at < range.fromMs || at >= range.toMs) continue;
      for (const cell of bucket.values()) out.push({ ...cell, durations: [...cell.durations] });
    }
    return out.sort((a, b) => a.at - b.at);
  }

  /** Deletes buckets that ended at or before `cutoffMs`. */
  prune(cutoffMs: number): number {
    let removed = 0;
    for (const [kind, size] of KINDS) {
      for (const at of this.buckets[kind].keys()) {
        if (at + size <= cutoffMs) {
          this.buckets[kind].delete(at);
          removed++;
        }
      }
    }
    return removed;
  }
}
