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
}

/** A pg-boss job row leased to this process. */
export class PgLease implements Lease {
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private settled = false;

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
    if (this.settled) return;
    const outcome = await this.host.settler.heartbeat(this.key, this.host.leaseDurationMs);
    if (outcome === null) {
      if (!this.controller.signal.aborted) this.controller.abort(new LeaseExpiredError());
    } else if (outcome.cancelRequested) {
      this.requestCancel();
    }
  }

  async progress(value: unknown): Promise<void> {
    if (this.settled) return;
    await this.host.settler.progress(this.key, value);
  }

  /**
   * Frees the slot at once, then resolves when the completion is stored. The handler is done, so the
   * concurrency cap (running handlers) allows the next claim to run beside this batched write instead of
   * after it; the job's row stays `active` until the write commits, and a write that fails leaves it to
   * expire and be redelivered, as a lost lease would.
   */
  async complete(result: unknown): Promise<void> {
    if (this.settled) return;
    this.settled = true;
    const written = this.host.settler.complete(this.key, result);
    this.host.onSettled(this);
    await written;
  }

  retry(at: Date, error: SerializedError): Promise<void> {
    return this.settle(() => this.host.settler.retry(this.key, at, error));
  }

  fail(error: SerializedError): Promise<void> {
    return this.settle(() => this.host.settler.fail(this.key, error));
  }

  cancelled(): Promise<void> {
    return this.settle(() => this.host.settler.cancelled(this.key));
  }

  release(): Promise<void> {
    return this.settle(() => this.host.settler.release(this.key));
  }

  /** Settles at most once; the slot is freed whether or not the statement succeeded (the lease then expires). */
  private async settle(run: () => Promise<void>): Promise<void> {
    if (this.settled) return;
    this.settled = true;
    try {
      await run();
    } finally {
      this.host.onSettled(this);
    }
  }
}
