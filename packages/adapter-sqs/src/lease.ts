/**
 * One delivery of one job: the SQS receipt handle of its message is the lease, its
 * visibility timeout the lease length. Settling writes the record under compare-and-set
 * on the lease token (a lost lease changes nothing), then settles the job in its message
 * (deleted once every job it stands for is settled). A job that must run again at once hands
 * its ticket back to the consumer (`returnTicket`); one that must wait moves to a ticket of its
 * own, delayed to its runAt. FIFO mode: the message names the job alone, and a job that must
 * run again re-times it.
 */
import {
  JobCancelledError,
  type JobRecord,
  type Lease,
  LeaseExpiredError,
  type SerializedError,
} from '@switchyard/core';
import { type StoredRecord, toJobRecord } from './codec.js';
import { sendOwnTicket } from './enqueue.js';
import type { HeldMessage } from './held-message.js';
import { realNow } from './real-time.js';
import type { LoadedRecord } from './records.js';
import type { AdapterRuntime } from './runtime.js';
import {
  cancelled,
  completed,
  deferred,
  failed,
  leaseSeconds,
  MAX_VISIBILITY_SECONDS,
  released,
  retried,
  secondsUntil,
} from './transitions.js';

/** Told when a lease's final write starts and ends (the consumer claims the next job meanwhile). */
export interface SettlementWatcher {
  begin(): void;
  end(): void;
}

/** A lease on one job (see `Lease` in core for the contract). */
export class SqsLease implements Lease {
  readonly job: JobRecord;
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  /** The record as this lease last wrote it, and its store version (fast path for the next write). */
  private current: StoredRecord;
  private version: number;
  private settled = false;
  private settlementWatcher: SettlementWatcher | null = null;

  constructor(
    private readonly runtime: AdapterRuntime,
    private readonly delivery: HeldMessage,
    record: StoredRecord,
    version: number,
    readonly redelivered: boolean,
    readonly malformed?: Error,
  ) {
    this.current = record;
    this.version = version;
    this.job = toJobRecord(record);
    this.signal = this.controller.signal;
  }

  /** Reports the start and end of this lease's final write to `watcher`. */
  watchSettlement(watcher: SettlementWatcher): void {
    this.settlementWatcher = watcher;
  }

  /**
   * A lease claimed but never handed to a handler (the consumer stopped first): the job goes back
   * to pending with its attempt uncounted, and its message is given back once its other jobs settle.
   */
  async giveBackUnstarted(): Promise<void> {
    // A malformed job's claim wrote nothing: only the message goes back.
    if (this.malformed || (await this.settle((record) => released(record)))) this.delivery.giveBack(0);
  }

  /** Extends the visibility timeout and checks the record for a cancel request or a lost lease. */
  async heartbeat(): Promise<void> {
    if (this.settled || this.signal.aborted) return;
    const [extended, loaded] = await Promise.all([
      this.delivery.extend(leaseSeconds(this.delivery.leaseDurationMs)),
      this.runtime.records.load(this.job.id),
    ]);
    // Settled while we were asking: the record moved on because of us, not because the lease was lost.
    if (this.settled) return;
    if (!extended || !this.stillMine(loaded)) {
      this.controller.abort(new LeaseExpiredError());
      return;
    }
    if (loaded?.record.cancelRequested) this.controller.abort(new JobCancelledError());
  }

  async progress(value: unknown): Promise<void> {
    await this.settle((record) => ({ ...record, progress: value }), { final: false });
  }

  async complete(result: unknown): Promise<void> {
    const now = this.now();
    if (await this.settle((record) => completed(record, result, now))) this.delivery.settle();
  }

  async retry(at: Date, error: SerializedError): Promise<void> {
    const now = this.now();
    await this.waitUntil(at, now, (record) => retried(record, at, error, now));
  }

  /** Back to waiting until `at` without consuming the attempt (a throttle refused the start). */
  async defer(at: Date): Promise<void> {
    const now = this.now();
    await this.waitUntil(at, now, (record) => deferred(record, at, now));
  }

  /** Settles with `change` (a retry or a deferral), the job runnable again at `at`. */
  private async waitUntil(
    at: Date,
    now: Date,
    change: (record: StoredRecord) => StoredRecord,
  ): Promise<void> {
    if (this.strict) {
      if (at.getTime() > now.getTime()) await this.moveToOwnTicket(change);
      else if (await this.settle(change)) this.delivery.returnTicket();
      return;
    }
    // FIFO: the job has its message to itself; the same message comes back when due.
    if (!(await this.settle(change))) return;
    // The same message comes back when due. SQS allows 12 h of visibility per receive in total;
    // past what is left of it the message comes back early and the receiver hides it again.
    const leftOfCap = MAX_VISIBILITY_SECONDS - Math.ceil((realNow() - this.delivery.receivedAtMs) / 1000) - 1;
    const seconds = Math.max(0, Math.min(leftOfCap, secondsUntil(at.getTime(), now.getTime())));
    this.delivery.keep();
    await this.runtime.messages.changeVisibility(this.delivery.url, this.delivery.receiptHandle, seconds);
  }

  async fail(error: SerializedError): Promise<void> {
    const now = this.now();
    if (await this.settle((record) => failed(record, error, now))) this.delivery.settle();
  }

  async cancelled(): Promise<void> {
    const now = this.now();
    if (await this.settle((record) => cancelled(record, now))) this.delivery.settle();
  }

  async release(): Promise<void> {
    if (this.strict) {
      if (await this.settle((record) => released(record))) this.delivery.returnTicket();
      return;
    }
    if (!(await this.settle((record) => released(record)))) return;
    this.delivery.keep();
    await this.runtime.messages.changeVisibility(this.delivery.url, this.delivery.receiptHandle, 0);
  }

  /**
   * Strict ordering: a job that waits before running again gets a ticket of its own, delayed to
   * its runAt (a new generation, so an older ticket naming it is no longer reserved for it). The
   * record names this message as the one it moved off (`movedOff`), and the job is settled in it
   * only once the ticket is sent: dying in between leaves the message to come back, and its next
   * receiver sends the ticket again (see `claimHeads`' `unsent`).
   */
  private async moveToOwnTicket(change: (record: StoredRecord) => StoredRecord): Promise<void> {
    const moved = (record: StoredRecord): StoredRecord => ({
      ...change(record),
      doorbell: record.doorbell + 1,
      movedOff: this.delivery.messageId,
    });
    if (!(await this.settle(moved))) return;
    try {
      await sendOwnTicket(this.runtime, this.current);
    } catch (error) {
      this.delivery.retain();
      throw error;
    }
    this.delivery.settle();
  }

  /** True when the adapter orders jobs strictly (tickets rather than named doorbells). */
  private get strict(): boolean {
    return this.runtime.options.ordering === 'strict';
  }

  /**
   * Applies `change` to the record if this lease still holds it. Tries the version this
   * lease last wrote first (one store call), and re-reads only when something else wrote
   * meanwhile (a cancel request, a progress update). False when the lease is lost.
   */
  private async settle(
    change: (record: StoredRecord) => StoredRecord,
    options = { final: true },
  ): Promise<boolean> {
    if (this.settled) return false;
    const watcher = options.final ? this.settlementWatcher : null;
    watcher?.begin();
    try {
      return await this.write(change, options.final);
    } finally {
      watcher?.end();
    }
  }

  private async write(change: (record: StoredRecord) => StoredRecord, final: boolean): Promise<boolean> {
    const { records } = this.runtime;
    const next = change(this.current);
    let version = await records.write(this.version, next);
    let written = next;
    if (version === null) {
      const outcome = await records.mutate(this.job.id, (loaded) =>
        this.stillMine(loaded) ? change(loaded.record) : null,
      );
      if (outcome.status !== 'written') {
        this.loseLease();
        return false;
      }
      version = outcome.version;
      written = outcome.record;
    }
    this.current = written;
    this.version = version;
    if (final) this.settled = true;
    return true;
  }

  /** True while the stored record is running under this lease's token. */
  private stillMine(loaded: LoadedRecord | null): boolean {
    if (!loaded) return false;
    if (this.malformed && loaded.malformed) return loaded.version === this.version;
    return loaded.record.state === 'running' && loaded.record.leaseToken === this.current.leaseToken;
  }

  private loseLease(): void {
    this.settled = true;
    // Someone else holds the job now (its message came back to them): the message is not ours to delete.
    this.delivery.markLost();
    this.delivery.settle();
    if (!this.signal.aborted) this.controller.abort(new LeaseExpiredError());
  }

  private now(): Date {
    return new Date(this.runtime.clock.now());
  }
}
