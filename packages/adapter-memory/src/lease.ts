import type { JobRecord, Lease, SerializedError } from '@switchyard/core';
import type { HeapItem } from './indexed-heap.js';
import type { HeldLease, JobRow } from './job-row.js';

/** How a lease is settled, other than `complete` (the contract's other four outcomes). */
export type Settlement =
  | { kind: 'retry'; at: Date; error: SerializedError }
  | { kind: 'fail'; error: SerializedError }
  | { kind: 'cancelled' }
  | { kind: 'release' }
  /** Back to waiting until `at` without consuming the attempt (a throttle refused the start). */
  | { kind: 'defer'; at: Date };

/** What a lease asks of the backend that issued it. */
export interface LeaseHost {
  heartbeat(lease: MemoryLease): void;
  progress(lease: MemoryLease, value: unknown): void;
  settle(lease: MemoryLease, settlement: Settlement): void;
  /** `settle` with `complete`. */
  complete(lease: MemoryLease, result: unknown): void;
}

/** The consumer a lease occupies a concurrency slot of. */
export interface LeaseHolder {
  /** Gives the lease's slot back (idempotent per lease). */
  freeSlot(lease: MemoryLease): void;
}

/**
 * One delivery of one job. Settling, heartbeats and progress are no-ops once
 * the lease is over (settled, expired, or its job removed), as the contract asks.
 */
export class MemoryLease implements Lease, HeldLease, HeapItem {
  heapIndex = -1;
  /** Epoch ms after which the lease is lost unless heartbeated. */
  expiresAt: number;
  /** Settled or lost: nothing this lease does changes the job any more. */
  over = false;
  /** Still counts against its consumer's concurrency. */
  holdsSlot = true;
  /** Created when someone reads `signal` (most jobs end before anyone does). */
  private controller: AbortController | undefined = undefined;
  private abortReason: Error | undefined = undefined;

  constructor(
    readonly job: JobRecord,
    readonly row: JobRow,
    readonly holder: LeaseHolder,
    readonly leaseDurationMs: number,
    now: number,
    readonly redelivered: boolean,
    readonly malformed: Error | undefined,
    private readonly host: LeaseHost,
    /** `now`, when it was read from core's clock (see `Lease.startedAtMs`). */
    readonly startedAtMs: number | undefined,
  ) {
    this.expiresAt = now + leaseDurationMs;
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.abortReason !== undefined) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  get aborted(): boolean {
    return this.abortReason !== undefined;
  }

  async heartbeat(): Promise<void> {
    if (!this.over) this.host.heartbeat(this);
  }

  async progress(value: unknown): Promise<void> {
    if (!this.over) this.host.progress(this, value);
  }

  async complete(result: unknown): Promise<void> {
    this.completeNow(result);
  }

  completeNow(result: unknown): void {
    if (!this.over) this.host.complete(this, result);
  }

  async retry(at: Date, error: SerializedError): Promise<void> {
    if (!this.over) this.host.settle(this, { kind: 'retry', at, error });
  }

  async fail(error: SerializedError): Promise<void> {
    if (!this.over) this.host.settle(this, { kind: 'fail', error });
  }

  async cancelled(): Promise<void> {
    if (!this.over) this.host.settle(this, { kind: 'cancelled' });
  }

  async release(): Promise<void> {
    if (!this.over) this.host.settle(this, { kind: 'release' });
  }

  /** Ends the lease and gives its slot back; the backend calls this when settling. */
  end(): void {
    this.over = true;
    this.holder.freeSlot(this);
  }

  lose(reason: Error): void {
    if (this.over) return;
    this.end();
    this.abort(reason);
  }

  abort(reason: Error): void {
    if (this.abortReason !== undefined) return;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }
}
