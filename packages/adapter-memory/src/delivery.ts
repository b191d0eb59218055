import { ATTEMPT_FINISHED, type Consumer, type Lease, type Logger } from '@switchyard/core';
import type { LeaseHolder, MemoryLease } from './lease.js';

/** Deliveries made in one go before yielding to the event loop, so I/O and timers still run under load. */
const DELIVERIES_PER_TURN = 4096;

/** One `consume` call: its queues, its concurrency slots and its callback. */
export class MemoryConsumer implements Consumer, LeaseHolder {
  /** Leases handed out and not yet settled, lost or returned from `onLease`. */
  active = 0;
  stopped = false;

  constructor(
    readonly queues: readonly string[],
    readonly concurrency: number,
    readonly leaseDurationMs: number,
    readonly onLease: (lease: Lease) => Promise<void>,
    private readonly delivery: Delivery,
  ) {}

  /** True when this consumer can take another job now. */
  get wantsJob(): boolean {
    return !this.stopped && this.active < this.concurrency;
  }

  freeSlot(lease: MemoryLease): void {
    if (!lease.holdsSlot) return;
    lease.holdsSlot = false;
    this.active--;
    if (!this.stopped) this.delivery.kick();
  }

  /** Delivery is synchronous, so once stopped no further `onLease` call can happen. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.delivery.detach(this);
  }
}

/**
 * Hands ready jobs to consumers with free slots. Every state change that may
 * make a delivery possible calls `kick()`; deliveries then happen in one batch
 * on a microtask (coalescing many kicks), round-robin across consumers, and
 * yield to the event loop (`setImmediate`) every few thousand jobs.
 */
export class Delivery {
  private consumers: MemoryConsumer[] = [];
  private scheduled = false;
  private deliveredThisTurn = 0;
  private rotation = 0;
  private readonly drainNow = (): void => this.drain();
  private readonly drainNextTurn = (): void => {
    this.deliveredThisTurn = 0;
    this.drain();
  };

  constructor(
    /** Takes the best ready job for `consumer` and leases it, or returns undefined. */
    private readonly leaseNext: (consumer: MemoryConsumer) => MemoryLease | undefined,
    private readonly logger: () => Logger,
  ) {}

  /** Registers a consumer and starts delivering to it. */
  attach(consumer: MemoryConsumer): void {
    this.consumers.push(consumer);
    this.kick();
  }

  /** Unregisters a consumer. */
  detach(consumer: MemoryConsumer): void {
    this.consumers = this.consumers.filter((other) => other !== consumer);
  }

  /** Stops every consumer (adapter close). */
  stopAll(): void {
    for (const consumer of this.consumers) consumer.stopped = true;
    this.consumers = [];
  }

  /** Asks for a delivery pass soon; many kicks before it runs cost one pass. */
  kick(): void {
    if (this.scheduled || this.consumers.length === 0) return;
    this.scheduled = true;
    if (this.deliveredThisTurn < DELIVERIES_PER_TURN) queueMicrotask(this.drainNow);
    else setImmediate(this.drainNextTurn);
  }

  private drain(): void {
    this.scheduled = false;
    let delivered = 0;
    let progress = true;
    while (progress) {
      progress = false;
      const consumers = this.consumers;
      const count = consumers.length;
      this.rotation = (this.rotation + 1) % Math.max(count, 1);
      for (let step = 0; step < count; step++) {
        const consumer = consumers[(this.rotation + step) % count]!;
        if (!consumer.wantsJob) continue;
        const lease = this.leaseNext(consumer);
        if (lease === undefined) continue;
        consumer.active++;
        this.hand(consumer, lease);
        delivered++;
        progress = true;
      }
      if (this.deliveredThisTurn + delivered >= DELIVERIES_PER_TURN) {
        this.deliveredThisTurn += delivered;
        // More work may remain: continue on the next event-loop turn.
        if (progress) this.kick();
        return;
      }
    }
    this.deliveredThisTurn += delivered;
  }

  private hand(consumer: MemoryConsumer, lease: MemoryLease): void {
    let handled: Promise<void>;
    try {
      handled = consumer.onLease(lease);
    } catch (error) {
      this.logger().error({ err: error, jobId: lease.job.id }, 'memory adapter: onLease threw');
      consumer.freeSlot(lease);
      return;
    }
    // Settled before `onLease` returned: the settlement freed the slot already.
    if (handled === ATTEMPT_FINISHED) {
      consumer.freeSlot(lease);
      return;
    }
    // `onLease` returning also frees the slot, in case it returned without settling the lease.
    Promise.resolve(handled).then(
      () => consumer.freeSlot(lease),
      (error: unknown) => {
        this.logger().error({ err: error, jobId: lease.job.id }, 'memory adapter: onLease rejected');
        consumer.freeSlot(lease);
      },
    );
  }
}
