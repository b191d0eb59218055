import type { Clock } from '@switchyard/core';
import { DeadlineTimer } from './deadline-timer.js';
import { IndexedHeap } from './indexed-heap.js';
import type { MemoryLease } from './lease.js';

function expiresFirst(a: MemoryLease, b: MemoryLease): boolean {
  return a.expiresAt < b.expiresAt;
}

/**
 * Open leases in one heap by expiry, watched by a single clock timer: no timer
 * per lease. A lease is lost once `now > expiresAt`.
 */
export class LeaseExpiry {
  private readonly heap = new IndexedHeap<MemoryLease>(expiresFirst);
  private readonly timer: DeadlineTimer;
  private armed = false;

  constructor(
    private readonly clock: () => Clock,
    private readonly onExpired: (lease: MemoryLease) => void,
  ) {
    this.timer = new DeadlineTimer(clock, () => this.expireDue());
  }

  /** Watches a new lease. */
  track(lease: MemoryLease): void {
    this.heap.push(lease);
    if (this.armed) this.timer.armFor(lease.expiresAt + 1);
  }

  /** Moves a lease's expiry (heartbeat). */
  extend(lease: MemoryLease, expiresAt: number): void {
    lease.expiresAt = expiresAt;
    this.heap.update(lease);
  }

  /** Stops watching a settled lease. */
  untrack(lease: MemoryLease): void {
    this.heap.remove(lease);
  }

  /** Starts expiring leases. */
  arm(): void {
    this.armed = true;
    this.expireDue();
  }

  /** Stops the timer; leases are kept. */
  disarm(): void {
    this.armed = false;
    this.timer.cancel();
  }

  private expireDue(): void {
    if (!this.armed) return;
    const now = this.clock().now();
    for (let head = this.heap.peek(); head !== undefined && head.expiresAt < now; head = this.heap.peek()) {
      this.heap.pop();
      this.onExpired(head);
    }
    // A heartbeat may have pushed the head later than the timer: re-arm for the real head.
    const next = this.heap.peek();
    if (next !== undefined) this.timer.armFor(next.expiresAt + 1);
  }
}
