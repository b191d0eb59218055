/**
 * The memory store's delivery bookkeeping, as the Redis store keeps it in its scripts: each
 * queue's ready and delayed indexes (strict ordering), which messages hold which jobs, when each
 * queue was last claimed from, and FIFO's unrung marks. The store calls `inserted`, `updated` and
 * `deleted` on every change of a job.
 */
import type { JobState } from '@switchyard/core';
import { QueueIndex } from './memory-queue-index.js';
import type { HeadClaim, StoredJob, TicketOutcome } from './types.js';

/** A stored job plus the fields only the memory store keeps beside it. */
export type MemoryJob = StoredJob & {
  runAt: number;
  createdAt: number;
  priority: number;
  /** The message (MessageId) the job runs under, '' when none (see `claimHeads`). */
  heldBy: string;
  /** The receipt of that message it was claimed under (see `TicketSpend.receipt`). */
  heldUnder?: string;
};

function isWaiting(state: JobState): boolean {
  return state === 'pending' || state === 'scheduled' || state === 'retrying';
}

/** Ready indexes, message bindings, claim times and unrung marks of one memory store. */
export class MemoryDelivery {
  /** Ready and delayed jobs per queue. */
  private readonly queueIndexes = new Map<string, QueueIndex>();
  /** Jobs each message holds: running under it, or moved off it with their own message unconfirmed. */
  private readonly held = new Map<string, Set<string>>();
  /** When each queue was last claimed from (`missingTickets`). */
  private readonly lastClaim = new Map<string, number>();
  /** FIFO: jobs whose doorbell may not have been sent, and since when. */
  private readonly unrung = new Map<string, number>();

  constructor(
    private readonly jobs: Map<string, MemoryJob>,
    private readonly paused: ReadonlySet<string>,
  ) {}

  inserted(job: MemoryJob, unrungSince: number | undefined): void {
    if (isWaiting(job.state))
      this.indexOf(job.queue).placeWaiting(job.id, job.state, job.priority, job.runAt);
    if (unrungSince !== undefined) this.unrung.set(job.id, unrungSince);
  }

  updated(current: MemoryJob, next: MemoryJob, unrungSince: number | undefined): void {
    this.rebind(next.id, current, next);
    const index = this.indexOf(current.queue);
    if (isWaiting(next.state)) index.placeWaiting(next.id, next.state, next.priority, next.runAt);
    // (A running job put back for its redelivery keeps its place in the ready index.)
    else if (!(next.state === 'running' && current.state === 'running')) index.remove(next.id);
    if (unrungSince !== undefined) this.unrung.set(next.id, unrungSince);
    else if (!isWaiting(next.state)) this.unrung.delete(next.id);
  }

  deleted(job: MemoryJob): void {
    this.indexOf(job.queue).remove(job.id);
    this.rebind(job.id, job, {});
    this.unrung.delete(job.id);
  }

  markRung(ids: string[]): void {
    for (const id of ids) this.unrung.delete(id);
  }

  unrungBefore(cutoffMs: number, limit: number): string[] {
    return [...this.unrung]
      .filter(([, since]) => since <= cutoffMs)
      .sort((a, b) => a[1] - b[1])
      .slice(0, limit)
      .map(([id]) => id);
  }

  claimHeads(claim: HeadClaim): TicketOutcome[] {
    // Every recovery of the call comes first: a message that exhausts the ready index must see the
    // jobs another message of the same call puts back, or its holder would discard their tickets.
    const unsent = claim.spends.map((spend) => this.recover(spend));
    let token = 0;
    const promoted = new Set<string>();
    return claim.spends.map(({ queue, messageId, receipt, want }, spendIndex) => {
      const outcome: TicketOutcome = {
        paused: false,
        exhausted: false,
        claimed: [],
        unsent: unsent[spendIndex]!,
      };
      if (this.paused.has(queue)) return { ...outcome, paused: true };
      const index = this.indexOf(queue);
      if (!promoted.has(queue)) {
        index.promote(claim.nowMs);
        promoted.add(queue);
      }
      while (outcome.claimed.length < want) {
        const id = index.shiftReady();
        if (id === undefined) {
          outcome.exhausted = true;
          break;
        }
        const job = this.jobs.get(id);
        if (!job || !(isWaiting(job.state) || (job.state === 'running' && job.heldBy === ''))) continue;
        const next: MemoryJob = {
          ...job,
          state: 'running',
          attempt: (job.attempt ?? 0) + 1,
          startedAt: claim.nowMs,
          leaseToken: claim.leaseTokens[token++]!,
          movedOff: undefined,
          heldBy: messageId,
          heldUnder: receipt,
          version: job.version + 1,
        };
        this.jobs.set(id, next);
        this.rebind(id, job, next);
        this.unrung.delete(id);
        outcome.claimed.push({ job: { ...next }, previousState: job.state });
      }
      this.lastClaim.set(queue, claim.nowMs);
      return outcome;
    });
  }

  /**
   * A message's first claim under a new receipt: jobs another receipt claimed and never settled go
   * back to the ready index (their holder lost the message); returns the waiting jobs that moved off
   * it with their own message unconfirmed.
   */
  private recover({ queue, messageId, receipt, recover }: HeadClaim['spends'][number]): string[] {
    const unsent: string[] = [];
    const held = this.held.get(messageId);
    if (!recover || !held || this.paused.has(queue)) return unsent;
    for (const id of [...held]) {
      const job = this.jobs.get(id);
      if (job?.state === 'running' && job.heldBy === messageId) {
        // Claimed under this very receipt (another claim of it in flight): it runs here.
        if (job.heldUnder === receipt) continue;
        // Its lease ends here: a new version and no token, so the old holder's writes are refused.
        this.indexOf(job.queue).putReady(id, job.priority, job.runAt);
        this.jobs.set(id, { ...job, heldBy: '', leaseToken: undefined, version: job.version + 1 });
        held.delete(id);
      } else if (job && job.movedOff === messageId && isWaiting(job.state)) {
        unsent.push(id);
      } else {
        held.delete(id);
      }
    }
    return unsent;
  }

  missingTickets(queue: string, nowMs: number, graceMs: number, cap: number): number {
    if (this.paused.has(queue)) return 0;
    const index = this.indexOf(queue);
    index.promote(nowMs);
    if (index.readyCount === 0 || nowMs - (this.lastClaim.get(queue) ?? 0) < graceMs) return 0;
    this.lastClaim.set(queue, nowMs);
    return Math.min(index.readyCount, cap);
  }

  /** Keeps the held sets in step with a job's `heldBy` / `movedOff` change. */
  private rebind(id: string, before: Partial<MemoryJob>, after: Partial<MemoryJob>): void {
    const old = new Set([before.heldBy, before.movedOff].filter((message): message is string => !!message));
    const now = new Set([after.heldBy, after.movedOff].filter((message): message is string => !!message));
    for (const message of old) {
      if (now.has(message)) continue;
      const set = this.held.get(message);
      set?.delete(id);
      if (set?.size === 0) this.held.delete(message);
    }
    for (const message of now) {
      if (old.has(message)) continue;
      const set = this.held.get(message) ?? new Set<string>();
      set.add(id);
      this.held.set(message, set);
    }
  }

  private indexOf(queue: string): QueueIndex {
    let index = this.queueIndexes.get(queue);
    if (!index) {
      index = new QueueIndex();
      this.queueIndexes.set(queue, index);
    }
    return index;
  }
}
