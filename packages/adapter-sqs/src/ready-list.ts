/**
 * Received jobs waiting for a slot. A received batch is screened at once (see the delivery mode:
 * named doorbells read their records, tickets need nothing unless they wait for a delayed job),
 * then its jobs wait here, in arrival order, until slots free; each group of freed slots is
 * claimed with one store call.
 *
 * A message none of whose jobs has a slot after a quarter of the lease (at most 1 s) is given
 * back unclaimed, so its lease is never cut short by much, and receiving ahead pauses until a
 * slot frees; a message some of whose jobs run has its visibility extended instead while the
 * rest wait. On stop everything waiting is given back.
 */
import type { Message } from '@aws-sdk/client-sqs';
import type { ClaimOutcome, DeliveryMode, WaitingItem } from './delivery-mode.js';
import type { HeldMessage } from './held-message.js';
import type { SqsLease } from './lease.js';
import type { QueueTarget } from './queues.js';
import { realNow } from './real-time.js';
import type { AdapterRuntime } from './runtime.js';
import type { SettlePath } from './settle-path.js';
import type { SlotLedger } from './slot-budget.js';
import { leaseSeconds } from './transitions.js';

/** Longest a received message waits for a slot before it is given back (also capped at a quarter lease). */
const MAX_READY_WAIT_MS = 1_000;

/** What the ready list needs from its consumer. */
export interface ReadyListHost {
  readonly runtime: AdapterRuntime;
  readonly leaseDurationMs: number;
  readonly ledger: SlotLedger;
  readonly settlePath: SettlePath;
  stopped(): boolean;
  track(work: Promise<void>): void;
  /** Wakes the receive loops (room may have changed). */
  nudge(): void;
}

/** Screened jobs waiting for a slot, and the claims that hand them out. */
export class ReadyList<Item extends WaitingItem> {
  private ready: Item[] = [];
  private readyTimer: ReturnType<typeof setTimeout> | null = null;
  private pumpScheduled = false;

  constructor(
    private readonly host: ReadyListHost,
    private readonly mode: DeliveryMode<Item>,
  ) {}

  /** How many items of `queue` wait for a slot. */
  waitingFor(queue: string): number {
    return this.ready.filter((item) => item.target.queue === queue).length;
  }

  /** One more item waits (a ticket handed back by a job that went back to the ready index). */
  add(item: Item): void {
    this.host.ledger.apply({ type: 'waiting-added', jobs: 1 });
    this.ready.push(item);
    this.schedulePump();
  }

  /**
   * Screens as many messages as there is room for (at least one when there is any); gives the rest
   * back at once. `visibilitySeconds`: what their receive asked for.
   */
  dispatch(target: QueueTarget, messages: Message[], visibilitySeconds: number): void {
    if (messages.length === 0) return;
    const { ledger, runtime } = this.host;
    let room = ledger.dispatchRoom(this.host.stopped());
    const taken: Message[] = [];
    const surplus: string[] = [];
    let jobs = 0;
    for (const message of messages) {
      if (room <= 0) {
        surplus.push(message.ReceiptHandle ?? '');
        continue;
      }
      const count = this.mode.jobsOf(message);
      ledger.apply({ type: 'message-seen', jobs: count });
      taken.push(message);
      jobs += count;
      room -= count;
    }
    this.giveBack(target.url, surplus);
    if (taken.length === 0) return;
    ledger.apply({ type: 'screening-started', jobs });
    const screened = this.mode
      .screen(target, taken, realNow(), visibilitySeconds)
      .catch((error: unknown) => {
        runtime.logger.error(
          { err: error },
          'sqs: reading the jobs of received messages failed; they reappear after their visibility timeout',
        );
        return [];
      })
      .then((items: Item[]) => {
        ledger.apply({ type: 'screening-ended', jobs, waiting: items.length });
        this.ready.push(...items);
        this.pump();
        this.host.nudge();
      });
    this.host.track(screened);
  }

  /** One pump for all the slots freed in this turn, so they are claimed with one store call. */
  schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /**
   * Hands ready jobs to free slots (one claim call per group). A message none of whose jobs got a
   * slot in time, or any waiting job after stop(), is given back; a message some of whose jobs
   * run is kept hidden while the rest wait.
   */
  pump(): void {
    const { ledger } = this.host;
    const stopped = this.host.stopped();
    const now = realNow();
    const untouched = new Map<string, string[]>();
    const partly = new Map<HeldMessage, number>();
    const before = this.ready.length;
    this.ready = this.ready.filter(({ held }) => {
      if (held.lost) {
        // Its visibility could not be extended: the message (and these jobs) went to someone else.
        held.settle();
        return false;
      }
      if (!stopped && now - held.askedAtMs <= this.waitLimitMs(held)) return true;
      if (!stopped && held.taken > 0) {
        this.extend(held);
        return true;
      }
      if (held.taken === 0) {
        // None of its jobs started: the whole message goes back (its claimables leave together).
        if (!partly.has(held))
          untouched.set(held.url, [...(untouched.get(held.url) ?? []), held.receiptHandle]);
        partly.set(held, 0);
      } else {
        partly.set(held, (partly.get(held) ?? 0) + 1);
      }
      return false;
    });
    if (this.ready.length < before)
      ledger.apply({ type: 'waiting-dropped', jobs: before - this.ready.length });
    if (untouched.size > 0 && !stopped) ledger.apply({ type: 'received-too-far-ahead' });
    for (const [url, handles] of untouched) this.giveBack(url, handles);
    for (const [held, count] of partly) if (count > 0) held.giveBack(0, count);
    const take = this.ready.splice(0, Math.max(0, ledger.freeSlots()));
    if (take.length > 0) {
      ledger.apply({ type: 'claim-started', jobs: take.length });
      for (const item of take) {
        // A message received by a long poll has a short visibility: its jobs need a lease's.
        if (item.held.taken === 0 && item.held.visibilityMs < this.leaseVisibilityMs) this.extend(item.held);
        item.held.taken++;
      }
      this.host.track(this.claimAndPlace(take));
    }
    if (this.ready.length > 0 && !this.readyTimer) {
      const due = Math.min(...this.ready.map(({ held }) => held.askedAtMs + this.waitLimitMs(held)));
      this.readyTimer = setTimeout(
        () => {
          this.readyTimer = null;
          this.pump();
        },
        Math.max(1, due - now + 1),
      );
    }
  }

  /**
   * How long a waiting job's message may go without a visibility change. Untouched: a quarter
   * lease (at most 1 s), then it goes back. Some of its jobs running: a third of the lease (as
   * core's heartbeats, which extend it too), so a job that waited still gets two thirds of its lease.
   */
  private waitLimitMs(held: HeldMessage): number {
    const lease = Math.min(this.host.leaseDurationMs, held.visibilityMs);
    return held.taken > 0 ? lease / 3 : Math.min(MAX_READY_WAIT_MS, lease / 4);
  }

  /** The visibility of a lease (SQS counts whole seconds). */
  private get leaseVisibilityMs(): number {
    return leaseSeconds(this.host.leaseDurationMs) * 1000;
  }

  /** Extends a message to a lease's visibility (a failure makes the pump treat it as lost). */
  private extend(held: HeldMessage): void {
    held
      .extend(leaseSeconds(this.host.leaseDurationMs))
      .catch((error: unknown) =>
        this.host.runtime.logger.warn({ err: error }, 'sqs: extending a message failed'),
      );
  }

  /** Claims a group of ready jobs and gives the leases their slots; a failed claim frees them all. */
  private async claimAndPlace(take: Item[]): Promise<void> {
    let leases: Array<SqsLease | null>;
    try {
      const outcome = await this.mode.claim(take, [...this.ready]);
      leases = outcome.leases;
      this.drop(outcome.dropped);
    } catch (error) {
      this.host.runtime.logger.error(
        { err: error },
        'sqs: claiming received messages failed; they reappear after their visibility timeout',
      );
      leases = take.map(() => null);
    }
    this.host.settlePath.place(leases);
  }

  /** Takes items a claim made pointless off the list (those still on it) and settles them. */
  private drop(dropped: ClaimOutcome<Item>['dropped']): void {
    if (dropped.length === 0) return;
    const reasons = new Map(dropped.map(({ item, reason }) => [item, reason]));
    const before = this.ready.length;
    this.ready = this.ready.filter((item) => {
      const reason = reasons.get(item);
      if (reason === undefined) return true;
      if (reason === 'discard') item.held.settle();
      else item.held.giveBack(Math.ceil(this.host.runtime.options.pausedRecheckMs / 1000));
      return false;
    });
    if (this.ready.length < before)
      this.host.ledger.apply({ type: 'waiting-dropped', jobs: before - this.ready.length });
  }

  /** Makes whole messages visible again at once (beyond capacity, waited too long, or received while stopping). */
  private giveBack(url: string, receiptHandles: string[]): void {
    if (receiptHandles.length === 0) return;
    this.host.runtime.messages
      .releaseMany(url, receiptHandles)
      .catch((error: unknown) =>
        this.host.runtime.logger.warn(
          { err: error },
          'sqs: giving back surplus messages failed; they reappear after their visibility timeout',
        ),
      );
  }
}
