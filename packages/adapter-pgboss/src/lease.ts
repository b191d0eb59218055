/**
 * One delivery of one job: the `Lease` core works with. Settling it (once)
 * runs a guarded UPDATE and frees the consumer's slot; a heartbeat extends it
 * and is where a lost lease or a cross-process cancel request is noticed.
 */
import {
  JobCancelledError,
  type JobRecord,
  type Lease,
  LeaseExpiredError,
  type SerializedError,
} from '@switchyard/core';
import type { LeaseKey, Settler } from './settle.js';

/** What a lease needs from its consumer. */
export interface LeaseHost {
  settler: Settler;
  leaseDurationMs: number;
  /** Called once when the lease is settled (or its settlement failed): the slot is free again. */
  onSettled(lease: PgLease): void;
  /** A completion was handed to the batch writer and frees its slot before `written` settles. */
  completionPending(written: Promise<void>): void;
}

/** A pg-boss job row leased to this process. */
export class PgLease implements Lease {
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  /** A settle was called: the handler is done, so no more heartbeats or progress. */
  private ended = false;
  /** A settle statement is in flight: a second call meanwhile has no effect. */
  private settling = false;
  /** The outcome is stored: later calls have no effect. */
  private stored = false;
  /** The consumer's slot was handed back (once, whether or not the outcome is stored yet). */
  private slotFreed = false;

  constructor(
    readonly job: JobRecord,
    readonly redelivered: boolean,
    readonly key: LeaseKey,
    private readonly host: LeaseHost,
    readonly malformed?: Error,
  ) {
    this.signal = this.controller.signal;
  }

  /** Aborts the handler because a cancel was requested (notification or heartbeat). */
  requestCancel(): void {
    if (!this.controller.signal.aborted) this.controller.abort(new JobCancelledError());
  }

  async heartbeat(): Promise<void> {
    if (this.ended) return;
    const outcome = await this.host.settler.heartbeat(this.key, this.host.leaseDurationMs);
    if (outcome === null) {
      if (!this.controller.signal.aborted) this.controller.abort(new LeaseExpiredError());
    } else if (outcome.cancelRequested) {
      this.requestCancel();
    }
  }

  async progress(value: unknown): Promise<void> {
    if (this.ended) return;
    await this.host.settler.progress(this.key, value);
  }

  /**
   * Frees the slot at once, then resolves when the completion is stored. The handler is done, so the
   * concurrency cap (running handlers) allows the next claim to run beside this batched write instead of
   * after it; the job's row stays `active` until the write commits. A write that fails may be called
   * again (core does, through an outage); given up, the lease expires and the job is redelivered.
   */
  complete(result: unknown): Promise<void> {
    return this.settle(() => {
      const written = this.host.settler.complete(this.key, result);
      this.host.completionPending(written);
      this.freeSlot();
      return written;
    });
  }

  retry(at: Date, error: SerializedError): Promise<void> {
    return this.settle(() => this.host.settler.retry(this.key, at, error));
  }

  fail(error: SerializedError): Promise<void> {
    return this.settle(() => this.host.settler.fail(this.key, error));
  }

  /** running → failed in one transaction with `hook(tx)` (see `Settler.failWithin`). */
  failWithin(error: SerializedError, hook: (tx: unknown) => Promise<void>): Promise<void> {
    return this.settle(() => this.host.settler.failWithin(this.key, error, hook));
  }

  cancelled(): Promise<void> {
    return this.settle(() => this.host.settler.cancelled(this.key));
  }

  release(): Promise<void> {
    return this.settle(() => this.host.settler.release(this.key));
  }

  /**
   * Stores the outcome at most once. A statement that failed (the backend was unreachable) leaves the
   * lease settleable again, so core's retry through an outage writes it; the token guard makes a repeat
   * of a statement that did commit a no-op. The slot is freed after the first try, stored or not.
   */
  private async settle(run: () => Promise<void>): Promise<void> {
    if (this.stored || this.settling) return;
    this.ended = true;
    this.settling = true;
    try {
      await run();
      this.stored = true;
    } finally {
      this.settling = false;
      this.freeSlot();
    }
  }

  private freeSlot(): void {
    if (this.slotFreed) return;
    this.slotFreed = true;
    this.host.onSettled(this);
  }
}
