import type { Clock } from '@switchyard/core';
import { DeadlineTimer } from './deadline-timer.js';
import { IndexedHeap } from './indexed-heap.js';
import type { JobRow } from './job-row.js';

function dueFirst(a: JobRow, b: JobRow): boolean {
  return a.runAt < b.runAt || (a.runAt === b.runAt && a.seq < b.seq);
}

/**
 * Scheduled and retrying jobs, in one heap by `runAt`, with a single clock timer
 * armed for the earliest one (no polling). Due jobs are handed to `onDue`.
 */
export class DelayedJobs {
  private readonly heap = new IndexedHeap<JobRow>(dueFirst);
  private readonly timer: DeadlineTimer;
  private armed = false;

  constructor(
    private readonly clock: () => Clock,
    private readonly onDue: (row: JobRow) => void,
  ) {
    this.timer = new DeadlineTimer(clock, () => this.releaseDue());
  }

  /** Number of waiting jobs. */
  get size(): number {
    return this.heap.size;
  }

  /** Holds `row` until its `runAt`. */
  add(row: JobRow): void {
    this.heap.push(row);
    if (this.armed) this.timer.armFor(row.runAt);
  }

  /** Forgets `row` (cancelled or removed); true when it was waiting. */
  remove(row: JobRow): boolean {
    return this.heap.remove(row);
  }

  /** Starts the timer (jobs added before start wait until now). */
  arm(): void {
    this.armed = true;
    this.releaseDue();
  }

  /** Stops the timer; jobs stay. */
  disarm(): void {
    this.armed = false;
    this.timer.cancel();
  }

  private releaseDue(): void {
    if (!this.armed) return;
    const now = this.clock().now();
    for (let head = this.heap.peek(); head !== undefined && head.runAt <= now; head = this.heap.peek()) {
      this.heap.pop();
      this.onDue(head);
    }
    const next = this.heap.peek();
    if (next !== undefined) this.timer.armFor(next.runAt);
  }
}
