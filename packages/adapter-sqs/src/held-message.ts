/**
 * One received SQS message while this worker holds it: the jobs it names that are still
 * open here, and what becomes of the message once none is. Every job settled → deleted
 * (batched); a job given back unclaimed (stop, pause) → made visible again (or hidden for a
 * while) instead; the receipt found stale → left alone, SQS hands the message out again and
 * the store's state decides which of its jobs still run; a job's own message not confirmed sent →
 * never deleted (see `retain`). Heartbeats of the jobs sharing the
 * message share one ChangeMessageVisibility call.
 *
 * Strict ordering: the message holds tickets, and each ticket spent becomes a job bound to it
 * in the store (`claimHeads`); a job released or retried at once hands its ticket back
 * (`returnTicket`), so the message is still needed and stays open.
 */
import { randomUUID } from 'node:crypto';
import { realNow } from './real-time.js';
import type { AdapterRuntime } from './runtime.js';

export class HeldMessage {
  /** Jobs of this message not settled here yet (claimed and running, or waiting for a slot). */
  private open: number;
  /** Jobs of it handed to a slot (claimed or being claimed). */
  taken = 0;
  /** The receipt turned out stale: the message is someone else's now. */
  lost = false;
  /** When its visibility timeout was last set (receive, or an extension SQS confirmed: from when it was asked), real time. */
  visibleSinceMs: number;
  /** When a visibility change was last asked for (or the receive), confirmed or not: paces the next ask. */
  askedAtMs: number;
  /** Once no job is open: hide it this many seconds instead of deleting it (0 = visible at once). */
  private hideSeconds: number | null = null;
  /** The message keeps serving a job (re-timed for it, or its own message unsent): never delete it. */
  private kept = false;
  private extension: { startedAtMs: number; seconds: number; done: Promise<boolean> } | null = null;
  /** Strict ordering: whether jobs an earlier receipt of this message left behind were put back yet. */
  recovered = false;
  /** Strict ordering: where a ticket handed back by one of its jobs goes (the consumer's waiting list). */
  onTicketReturned: (() => void) | null = null;

  /** The SQS queue URL of the message. */
  readonly url: string;
  readonly receiptHandle: string;
  /** How many jobs (or tickets) the message stands for (1 for a single-job doorbell). */
  readonly jobs: number;
  readonly leaseDurationMs: number;
  /** When the message was received (real time: SQS counts its 12-hour visibility cap from here). */
  readonly receivedAtMs: number;
  /** SQS's id of the message (the same in every receipt): what the store binds claimed jobs to. */
  readonly messageId: string;
  /** Names this receipt of the message (strict ordering binds claimed jobs to it too). */
  readonly receipt = randomUUID();
  /** The visibility timeout last set (at the receive, or by a confirmed extension), in ms. */
  visibilityMs: number;

  constructor(
    private readonly runtime: AdapterRuntime,
    init: {
      url: string;
      receiptHandle: string;
      jobs: number;
      leaseDurationMs: number;
      receivedAtMs: number;
      /** The visibility timeout the receive asked for (a long poll asks for less than a lease). */
      visibilitySeconds: number;
      messageId?: string;
    },
  ) {
    this.url = init.url;
    this.receiptHandle = init.receiptHandle;
    this.jobs = init.jobs;
    this.leaseDurationMs = init.leaseDurationMs;
    this.receivedAtMs = init.receivedAtMs;
    this.messageId = init.messageId ?? '';
    this.visibilityMs = init.visibilitySeconds * 1000;
    this.open = init.jobs;
    this.visibleSinceMs = init.receivedAtMs;
    this.askedAtMs = init.receivedAtMs;
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

  /**
   * Strict ordering: a job of this message went back to the ready index at once (release, retry
   * due now): its ticket is spent again by the consumer, or, once that has stopped, the message
   * comes back (it is never deleted with a ticket outstanding).
   */
  returnTicket(): void {
    if (this.onTicketReturned && !this.lost) this.onTicketReturned();
    else this.giveBack(0);
  }

  /** Keeps the message open while a job it names is dealt with on the side (a resend); `settle` ends it. */
  hold(): void {
    this.open++;
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
    const now = realNow();
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
      // Only an extension SQS confirmed moves the deadline: one that failed (an outage) extended
      // nothing, and a ticket spent on the strength of it could recover jobs a new holder runs.
      else if (now >= this.visibleSinceMs) {
        this.visibleSinceMs = now;
        this.visibilityMs = seconds * 1000;
      }
      return ok;
    });
    // A failed call is not shared with later heartbeats.
    done.catch(() => {
      if (this.extension?.done === done) this.extension = null;
    });
    this.extension = { startedAtMs: now, seconds, done };
    this.askedAtMs = now;
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
