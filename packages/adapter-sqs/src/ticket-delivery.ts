/**
 * Strict ordering: a message is a number of tickets, "this many jobs of this queue are ready",
 * not a list of jobs. A ticket spent claims the head of the queue's ready index in the store
 * (priority, then runAt, then enqueue order), in the same atomic script that checks the pause
 * flag and binds the job to the message; the message's visibility stays the lease of the jobs
 * it claimed, and it is deleted once they are settled and its other tickets spent or discarded.
 *
 * Why no ready job waits without a ticket. Tickets in flight (messages not deleted) are at least
 * the ready jobs: an enqueue, a manual retry and a stalled job's recovery add as many tickets as
 * ready jobs; a claim removes as many jobs as tickets it spends; tickets are discarded only when
 * a claim found the ready index empty (all tickets in hand at that moment are then surplus); a
 * job released or retried at once hands its ticket back (`HeldMessage.returnTicket`); a delayed
 * job has a ticket of its own that waits for it (hidden until it is due); a message that comes
 * back after its holder died first puts the jobs it held back into the ready index (and resends
 * the own tickets of jobs that moved off it) before its tickets are spent. What a crash or an
 * outside delete can still break (a producer that dies between storing jobs and sending their
 * tickets, a message purged), the sweep (`ticket-sweep.ts`) restores. Surplus tickets (a
 * duplicate delivery, a restore) cost a receive and find nothing, or run a job another ticket
 * would have run: never the same job twice, since a claim pops it atomically.
 */
import { randomUUID } from 'node:crypto';
import type { Message } from '@aws-sdk/client-sqs';
import type { TimerHandle } from '@switchyard/core';
import { decodeMessageBody } from './codec.js';
import type { ClaimOutcome, DeliveryMode, DroppedItem, WaitingItem } from './delivery-mode.js';
import { sendOwnTicket } from './enqueue.js';
import { HeldMessage } from './held-message.js';
import { SqsLease } from './lease.js';
import type { QueueTarget } from './queues.js';
import { realNow } from './real-time.js';
import {
  deadLetter,
  deferUntilDue,
  malformedLease,
  messageAgeSeconds,
  pausedHideSeconds,
  unknownJob,
} from './receive.js';
import type { LoadedRecord } from './records.js';
import type { AdapterRuntime } from './runtime.js';
import type { TicketOutcome } from './store/types.js';
import { cancelled } from './transitions.js';

/** The longest a reserved ticket received before its job is due waits here (longer: hidden again). */
const EARLY_HOLD_MS = 1_000;

/** One ticket in hand: a received message's right to claim one ready job of its queue. */
export interface Ticket extends WaitingItem {
  readonly message: Message;
}

/** Delivery of tickets (strict ordering). */
export class TicketDelivery implements DeliveryMode<Ticket> {
  /** Reserved tickets received early, each waiting for its job to be due (see `holdUntilDue`). */
  private readonly early = new Map<TimerHandle, Ticket>();

  constructor(
    private readonly runtime: AdapterRuntime,
    private readonly leaseDurationMs: number,
    /** Keeps side work (a resend, a cancel to finish) in what the consumer waits for when it stops. */
    private readonly track: (work: Promise<void>) => void,
    /** A ticket handed back by a job that went back to the ready index. */
    private readonly onReturned: (ticket: Ticket) => void,
  ) {}

  jobsOf(message: Message): number {
    const body = decodeMessageBody(message.Body);
    if (!body) return 1;
    return body.kind === 'tickets' ? body.count : body.doorbells.length;
  }

  async screen(
    target: QueueTarget,
    messages: Message[],
    receivedAtMs: number,
    visibilitySeconds: number,
  ): Promise<Ticket[]> {
    const { runtime } = this;
    const bodies = messages.map((message) => decodeMessageBody(message.Body));
    // A delayed job's own ticket waits until the job is due: read those jobs in one call.
    const reservedIds = bodies.flatMap((body) =>
      body?.kind === 'tickets' && body.reserved ? [body.reserved.id] : [],
    );
    const loaded = reservedIds.length > 0 ? await runtime.records.loadMany(reservedIds) : [];
    const records = new Map(reservedIds.map((id, index) => [id, loaded[index] ?? null]));
    const screened = await Promise.all(
      messages.map(async (message, index) => {
        const body = bodies[index];
        try {
          if (!body) {
            await deadLetter(runtime, target, message);
            return [];
          }
          const count = body.kind === 'tickets' ? body.count : body.doorbells.length;
          const held = new HeldMessage(runtime, {
            url: target.url,
            receiptHandle: message.ReceiptHandle ?? '',
            jobs: count,
            leaseDurationMs: this.leaseDurationMs,
            receivedAtMs,
            visibilitySeconds,
            messageId: message.MessageId ?? '',
          });
          const reserved = body.kind === 'tickets' ? body.reserved : undefined;
          const now = runtime.clock.now();
          let waitMs = 0;
          if (reserved) {
            const record = records.get(reserved.id) ?? null;
            if (!record) unknownJob(runtime, reserved.id, message);
            waitMs = record ? notDueFor(record, reserved.generation, now) : 0;
            if (record && waitMs > EARLY_HOLD_MS) {
              const seconds = Math.floor(waitMs / 1000);
              await deferUntilDue(runtime, held, record.record, seconds, messageAgeSeconds(message));
              return [];
            }
          }
          held.onTicketReturned = () => this.onReturned({ target, held, message });
          const tickets = Array.from({ length: count }, (): Ticket => ({ target, held, message }));
          if (waitMs <= 0) return tickets;
          for (const ticket of tickets) this.holdUntilDue(ticket, now + waitMs);
          return [];
        } catch (error) {
          runtime.logger.error(
            { err: error, messageId: message.MessageId },
            'sqs: handling a received message failed; it reappears after its visibility timeout',
          );
          return [];
        }
      }),
    );
    return screened.flat();
  }

  async claim(take: Ticket[], waiting: readonly Ticket[]): Promise<ClaimOutcome<Ticket>> {
    const { runtime } = this;
    const spends = new Map<HeldMessage, { queue: string; tickets: Ticket[] }>();
    const leases = new Map<Ticket, SqsLease | null>();
    for (const ticket of take) {
      if (ticket.held.lost || this.mayHaveLapsed(ticket.held)) {
        // Its visibility may have run out: someone else may hold the message now, and jobs bound
        // to it here could outlive its delete there. Leave it to reappear.
        ticket.held.markLost();
        ticket.held.settle();
        leases.set(ticket, null);
        continue;
      }
      const spend = spends.get(ticket.held) ?? { queue: ticket.target.queue, tickets: [] };
      spend.tickets.push(ticket);
      spends.set(ticket.held, spend);
    }
    // Every message of these queues in hand is recovered in this call, so none is discarded unrecovered.
    const queues = new Set([...spends.values()].map(({ queue }) => queue));
    for (const ticket of waiting) {
      if (queues.has(ticket.target.queue) && !ticket.held.recovered && !spends.has(ticket.held))
        spends.set(ticket.held, { queue: ticket.target.queue, tickets: [] });
    }
    const entries = [...spends].filter(([held, { tickets }]) => tickets.length > 0 || !held.recovered);
    const dropped: Array<DroppedItem<Ticket>> = [];
    if (entries.length > 0) {
      const wanted = entries.reduce((sum, [, { tickets }]) => sum + tickets.length, 0);
      const outcomes = await runtime.records.call('claim jobs', () =>
        runtime.options.store.claimHeads!({
          nowMs: runtime.clock.now(),
          spends: entries.map(([held, { queue, tickets }]) => ({
            queue,
            messageId: held.messageId,
            receipt: held.receipt,
            want: tickets.length,
            recover: !held.recovered,
          })),
          leaseTokens: Array.from({ length: wanted }, () => randomUUID()),
        }),
      );
      const emptied = new Map<string, DroppedItem<Ticket>['reason']>();
      entries.forEach(([held, { queue, tickets }], index) => {
        const outcome = outcomes[index]!;
        held.recovered = true;
        for (const id of outcome.unsent) this.track(this.resendOwnTicket(held, id));
        if (outcome.paused) emptied.set(queue, 'paused');
        else if (outcome.exhausted && !emptied.has(queue)) emptied.set(queue, 'discard');
        this.spend(held, tickets, outcome, leases);
      });
      for (const ticket of waiting) {
        const reason = emptied.get(ticket.target.queue);
        if (reason) dropped.push({ item: ticket, reason });
      }
      runtime.doorbells.emptyTickets += dropped.filter(({ reason }) => reason === 'discard').length;
    }
    return { leases: take.map((ticket) => leases.get(ticket) ?? null), dropped };
  }

  /**
   * A reserved ticket that arrived less than a second before its job is due (SQS delays count
   * whole seconds, rounded down here) waits out the rest here, then joins the waiting list.
   */
  private holdUntilDue(ticket: Ticket, dueAtMs: number): void {
    const { clock } = this.runtime;
    const timer = clock.setTimeout(() => {
      this.early.delete(timer);
      this.onReturned(ticket);
    }, dueAtMs - clock.now());
    this.early.set(timer, ticket);
  }

  /** Stopping: tickets held until due join the waiting list now, which gives them back. */
  stop(): void {
    for (const [timer, ticket] of this.early) {
      this.runtime.clock.clearTimeout(timer);
      this.onReturned(ticket);
    }
    this.early.clear();
  }

  /** Gives each ticket of `held` spent in a claim its lease; the rest go back (paused) or are settled (nothing to claim). */
  private spend(
    held: HeldMessage,
    tickets: Ticket[],
    outcome: TicketOutcome,
    leases: Map<Ticket, SqsLease | null>,
  ): void {
    tickets.forEach((ticket, index) => {
      if (outcome.paused) {
        held.giveBack(pausedHideSeconds(this.runtime));
        leases.set(ticket, null);
        return;
      }
      const claimed = outcome.claimed[index];
      if (!claimed) {
        this.runtime.doorbells.emptyTickets++;
        held.settle();
        leases.set(ticket, null);
        return;
      }
      leases.set(ticket, this.leaseOf(held, this.runtime.records.decode(claimed.job), claimed.previousState));
    });
  }

  /** The lease of a claimed job (null when it needs none: a cancel to finish). */
  private leaseOf(held: HeldMessage, loaded: LoadedRecord, previousState: string): SqsLease | null {
    if (loaded.malformed) return malformedLease(this.runtime, held, loaded);
    // Its holder died (the message came back while it ran).
    const redelivered = previousState === 'running';
    if (redelivered && loaded.record.cancelRequested) {
      // A cancel was requested and its holder died before acting on it: finish the cancel here.
      this.track(this.finishCancel(held, loaded));
      return null;
    }
    return new SqsLease(this.runtime, held, loaded.record, loaded.version, redelivered);
  }

  private async finishCancel(held: HeldMessage, loaded: LoadedRecord): Promise<void> {
    const { runtime } = this;
    const record = { ...loaded.record, attempt: Math.max(0, loaded.record.attempt - 1) };
    try {
      await runtime.records.write(loaded.version, cancelled(record, new Date(runtime.clock.now())));
      held.settle();
    } catch (error) {
      runtime.logger.error({ err: error, jobId: record.id }, 'sqs: finishing a requested cancel failed');
      // Bound to this message still: it must come back for the next receiver to finish it.
      held.retain();
    }
  }

  /**
   * A waiting job that moved off this message (a retry with backoff) while its own ticket may never
   * have been sent: send it again under a new generation. The message stays open (never deleted)
   * until the send succeeded.
   */
  private async resendOwnTicket(held: HeldMessage, id: string): Promise<void> {
    const { runtime } = this;
    held.hold();
    try {
      const outcome = await runtime.records.mutate(id, (current) =>
        !current.malformed && current.record.movedOff === held.messageId && isWaiting(current.record.state)
          ? { ...current.record, doorbell: current.record.doorbell + 1 }
          : null,
      );
      if (outcome.status === 'written') await sendOwnTicket(runtime, outcome.record);
      held.settle();
    } catch (error) {
      runtime.logger.error({ err: error, jobId: id }, "sqs: resending a moved job's own ticket failed");
      held.retain();
    }
  }

  /** True when the message's visibility (as last set) may be about to run out or has: do not spend it. */
  private mayHaveLapsed(held: HeldMessage): boolean {
    return realNow() - held.visibleSinceMs >= (held.visibilityMs * 3) / 4;
  }
}

/** Milliseconds until a delayed job named by a reserved ticket is due; 0 when the ticket is free to spend. */
function notDueFor(loaded: LoadedRecord, generation: number, nowMs: number): number {
  if (loaded.malformed) return 0;
  const { record } = loaded;
  if (record.doorbell !== generation || !isWaiting(record.state) || record.state === 'pending') return 0;
  return Math.max(0, record.runAt.getTime() - nowMs);
}

function isWaiting(state: string): boolean {
  return state === 'pending' || state === 'scheduled' || state === 'retrying';
}
