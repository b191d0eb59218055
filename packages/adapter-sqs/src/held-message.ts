/**
 * One received SQS message while this worker holds it: the jobs it names that are still
 * open here, and what becomes of the message once none is. Every job settled → deleted
 * (batched); a job given back unclaimed (stop, pause) → made visible again (or hidden for a
 * while) instead; the receipt found stale → left alone, SQS hands the message out again and
 * the store's state decides which of its jobs still run; a job's own message not confirmed sent →
 * never deleted (see `retain`). Heartbeats of the jobs sharing the
 * message share one ChangeMessageVisibility call.
 */
import type { AdapterRuntime } from './runtime.js';

export class HeldMessage {
  /** Jobs of this message not settled here yet (claimed and running, or waiting for a slot). */
  private open: number;
  /** Jobs of it handed to a slot (claimed or being claimed). */
  taken = 0;
  /** The receipt turned out stale: the message is someone else's now. */
  lost = false;
  /** When its visibility timeout was last set (receive or extension), real time. */
  visibleSinceMs: number;
  /** Once no job is open: hide it this many seconds instead of deleting it (0 = visible at once). */
  private hideSeconds: number | null = null;
  /** The message keeps serving a job (re-timed for it, or its own message unsent): never delete it. */
  private kept = false;
  private extension: { startedAtMs: number; seconds: number; done: Promise<boolean> } | null = null;

  constructor(
    private readonly runtime: AdapterRuntime,
    readonly url: string,
    readonly receiptHandle: string,
    /** How many jobs the message names (1 for a single-job doorbell). */
    readonly jobs: number,
    readonly leaseDurationMs: number,
    /** When the message was received (real time: SQS counts its 12-hour visibility cap from here). */
    readonly receivedAtMs: number,
  ) {
    this.open = jobs;
    this.visibleSinceMs = receivedAtMs;
  }

  /** True when the message names one job only: its visibility is that job's to re-time. */
  get single(): boolean {
    return this.jobs === 1;
  }

  /** One job is done with here (finished, moved to a message of its own, or nothing to do). */
  settle(count = 1): void {
    this.open -= count;
    if (this.open === 0) this.finish();
  }

  /** One job is left unclaimed for another delivery: the message comes back after `seconds`. */
  giveBack(seconds: number, count = 1): void {
    this.hideSeconds = Math.max(this.hideSeconds ?? 0, seconds);
    this.settle(count);
  }

  /** The message's visibility now serves one job (a single-job retry or defer): it is not deleted. */
  keep(): void {
    this.kept = true;
    this.settle();
  }

  /**
   * One job's own message could not be sent after it moved off this one: this message must come
   * back (never deleted here), so whoever receives it next sends the job's message again.
   */
  retain(): void {
    this.kept = true;
    this.settle();
  }

  /** Marks the receipt stale: the message is left to reappear. */
  markLost(): void {
    this.lost = true;
  }

  /**
   * Extends the visibility timeout to `seconds` from now; false when the receipt is stale.
   * Calls for the same length within a short window share one ChangeMessageVisibility.
   */
  extend(seconds: number): Promise<boolean> {
    const now = Date.now();
    const shareWindowMs = Math.min(1_000, this.leaseDurationMs / 10);
    if (
      this.extension &&
      this.extension.seconds === seconds &&
      now - this.extension.startedAtMs < shareWindowMs
    ) {
      return this.extension.done;
    }
    const done = this.runtime.messages.changeVisibility(this.url, this.receiptHandle, seconds).then((ok) => {
      if (!ok) this.lost = true;
      return ok;
    });
    // A failed call is not shared with later heartbeats.
    done.catch(() => {
      if (this.extension?.done === done) this.extension = null;
    });
    this.extension = { startedAtMs: now, seconds, done };
    this.visibleSinceMs = now;
    return done;
  }

  private finish(): void {
    if (this.lost || this.kept) return;
    const { messages, logger } = this.runtime;
    if (this.hideSeconds === null) {
      void messages.deleteLater(this.url, this.receiptHandle);
      return;
    }
    messages
      .changeVisibility(this.url, this.receiptHandle, this.hideSeconds)
      .catch((error: unknown) =>
        logger.warn(
          { err: error },
          'sqs: giving a message back failed; it reappears after its visibility timeout',
        ),
      );
  }
}
