import type { JobRow } from './job-row.js';
import { ReadyQueue, runsBefore } from './ready-queue.js';

/** Ready (`pending`) jobs of every queue, plus the queues' pause flags. */
export class ReadyQueues {
  private readonly queues = new Map<string, ReadyQueue>();
  private readonly paused = new Set<string>();
  /** Every queue ever paused (they count as known queues even when empty). */
  private readonly everPaused = new Set<string>();

  /** Makes `row` deliverable. */
  add(row: JobRow): void {
    let queue = this.queues.get(row.queue);
    if (!queue) {
      queue = new ReadyQueue();
      this.queues.set(row.queue, queue);
    }
    queue.add(row);
  }

  /** Takes `row` out (cancelled or removed); true when it was ready. */
  remove(row: JobRow): boolean {
    return this.queues.get(row.queue)?.remove(row) ?? false;
  }

  /** Removes and returns the best ready job across the unpaused `queues`. */
  takeBest(queues: readonly string[]): JobRow | undefined {
    if (queues.length === 1) {
      const only = queues[0]!;
      if (this.paused.size > 0 && this.paused.has(only)) return undefined;
      const queue = this.queues.get(only);
      const head = queue?.peek();
      if (head !== undefined) queue!.takePeeked();
      return head;
    }
    let bestQueue: ReadyQueue | undefined;
    let best: JobRow | undefined;
    for (const name of queues) {
      if (this.paused.size > 0 && this.paused.has(name)) continue;
      const queue = this.queues.get(name);
      const head = queue?.peek();
      if (head !== undefined && (best === undefined || runsBefore(head, best))) {
        best = head;
        bestQueue = queue;
      }
    }
    if (best === undefined) return undefined;
    // Peek again: another queue's peek ran since, and `takePeeked` takes what was peeked last.
    bestQueue!.peek();
    bestQueue!.takePeeked();
    return best;
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
