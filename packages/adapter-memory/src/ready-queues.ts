import { IndexedHeap } from './indexed-heap.js';
import type { JobRow } from './job-row.js';

/** Delivery order among ready jobs: priority ascending, then runAt, then enqueue order. */
export function runsBefore(a: JobRow, b: JobRow): boolean {
  if (a.priority !== b.priority) return a.priority < b.priority;
  if (a.runAt !== b.runAt) return a.runAt < b.runAt;
  return a.seq < b.seq;
}

/** Ready (`pending`) jobs: one heap per queue, plus the queues' pause flags. */
export class ReadyQueues {
  private readonly heaps = new Map<string, IndexedHeap<JobRow>>();
  private readonly paused = new Set<string>();
  /** Every queue ever paused (they count as known queues even when empty). */
  private readonly everPaused = new Set<string>();

  /** Makes `row` deliverable. */
  add(row: JobRow): void {
    let heap = this.heaps.get(row.queue);
    if (!heap) {
      heap = new IndexedHeap<JobRow>(runsBefore);
      this.heaps.set(row.queue, heap);
    }
    heap.push(row);
  }

  /** Takes `row` out (cancelled or removed); true when it was ready. */
  remove(row: JobRow): boolean {
    return this.heaps.get(row.queue)?.remove(row) ?? false;
  }

  /** Removes and returns the best ready job across the unpaused `queues`. */
  takeBest(queues: readonly string[]): JobRow | undefined {
    let bestHeap: IndexedHeap<JobRow> | undefined;
    let best: JobRow | undefined;
    for (const queue of queues) {
      if (this.paused.size > 0 && this.paused.has(queue)) continue;
      const heap = this.heaps.get(queue);
      const head = heap?.peek();
      if (head !== undefined && (best === undefined || runsBefore(head, best))) {
        best = head;
        bestHeap = heap;
      }
    }
    return bestHeap?.pop();
  }

  pause(queue: string): void {
    this.paused.add(queue);
    this.everPaused.add(queue);
  }

  resume(queue: string): void {
    this.paused.delete(queue);
  }

  isPaused(queue: string): boolean {
    return this.paused.has(queue);
  }

  /** Queues that were ever paused. */
  queuesEverPaused(): Iterable<string> {
    return this.everPaused;
  }
}
