/**
 * One delivery of one job: the SQS receipt handle is the lease, its visibility
 * timeout the lease length. Settling writes the record under compare-and-set on
 * the lease token (a lost lease changes nothing), then deletes or re-times the message.
 */
import {
  JobCancelledError,
  type JobRecord,
  type Lease,
  LeaseExpiredError,
  type SerializedError,
} from '@switchyard/core';
import { type StoredRecord, toJobRecord } from './codec.js';
import type { LoadedRecord } from './records.js';
import type { AdapterRuntime } from './runtime.js';
import {
  cancelled,
  completed,
  failed,
  leaseSeconds,
  MAX_VISIBILITY_SECONDS,
  released,
  retried,
  secondsUntil,
} from './transitions.js';

/** Where the job's message is, and under which receipt. */
export interface Delivery {
  url: string;
  receiptHandle: string;
  leaseDurationMs: number;
  /** When the message was received (real time: SQS counts its 12-hour visibility cap from here). */
  receivedAtMs: number;
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

  constructor(
    private readonly runtime: AdapterRuntime,
    private readonly delivery: Delivery,
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

  /** Extends the visibility timeout and checks the record for a cancel request or a lost lease. */
  async heartbeat(): Promise<void> {
    if (this.settled || this.signal.aborted) return;
    const { messages, records } = this.runtime;
    const [extended, loaded] = await Promise.all([
      messages.changeVisibility(
        this.delivery.url,
        this.delivery.receiptHandle,
        leaseSeconds(this.delivery.leaseDurationMs),
      ),
      records.load(this.job.id),
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
    if (await this.settle((record) => completed(record, result, now))) this.deleteMessage();
  }

  async retry(at: Date, error: SerializedError): Promise<void> {
    const now = this.now();
    if (!(await this.settle((record) => retried(record, at, error, now)))) return;
    // The same message comes back when due. SQS allows 12 h of visibility per receive in total;
    // past what is left of it the message comes back early and the receiver hides it again.
    const leftOfCap =
      MAX_VISIBILITY_SECONDS - Math.ceil((Date.now() - this.delivery.receivedAtMs) / 1000) - 1;
    const seconds = Math.max(0, Math.min(leftOfCap, secondsUntil(at.getTime(), now.getTime())));
    await this.runtime.messages.changeVisibility(this.delivery.url, this.delivery.receiptHandle, seconds);
  }

  async fail(error: SerializedError): Promise<void> {
    const now = this.now();
    if (await this.settle((record) => failed(record, error, now))) this.deleteMessage();
  }

  async cancelled(): Promise<void> {
    const now = this.now();
    if (await this.settle((record) => cancelled(record, now))) this.deleteMessage();
  }

  async release(): Promise<void> {
    if (!(await this.settle((record) => released(record)))) return;
    await this.runtime.messages.changeVisibility(this.delivery.url, this.delivery.receiptHandle, 0);
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
    if (options.final) this.settled = true;
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
    if (!this.signal.aborted) this.controller.abort(new LeaseExpiredError());
  }

  private deleteMessage(): void {
    void this.runtime.messages.deleteLater(this.delivery.url, this.delivery.receiptHandle);
  }

  private now(): Date {
    return new Date(this.runtime.clock.now());
  }
}
