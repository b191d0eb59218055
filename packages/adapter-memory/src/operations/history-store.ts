/** The memory adapter's throughput history: minute cells in a map, pruned past the retention. */
import { addCell, type HistoryCell, type HistoryReadQuery, type HistoryStore } from '@switchyard/core';

export class InProcessHistory implements HistoryStore {
  private readonly cells = new Map<string, HistoryCell>();
  /** Set by `start()`; cells older than this are pruned when new ones are recorded. */
  retentionMs = 7 * 24 * 60 * 60_000;

  constructor(private readonly now: () => number) {}

  async record(cells: HistoryCell[]): Promise<void> {
    for (const cell of cells) {
      const key = `${cell.at}\u0000${cell.queue}\u0000${cell.task}`;
      const stored = this.cells.get(key);
      if (stored) addCell(stored, cell);
      else this.cells.set(key, { ...cell, durations: [...cell.durations] });
    }
    this.prune();
  }

  async read(query: HistoryReadQuery): Promise<HistoryCell[]> {
    const from = query.from.getTime();
    const to = query.to.getTime();
    const found: HistoryCell[] = [];
    for (const cell of this.cells.values()) {
      if (cell.at < from || cell.at >= to) continue;
      if (query.queue !== undefined && cell.queue !== query.queue) continue;
      if (query.task !== undefined && cell.task !== query.task) continue;
      found.push({ ...cell, durations: [...cell.durations] });
    }
    return found;
  }

  private prune(): void {
    const cutoff = this.now() - this.retentionMs;
    for (const [key, cell] of this.cells) if (cell.at < cutoff) this.cells.delete(key);
  }
}
