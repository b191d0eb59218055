/**
 * What a consumer does with received messages depends on the ordering: named doorbells
 * (FIFO mode) claim the jobs they name; tickets (standard queues, strict ordering) claim the
 * head of the store's ready index. Both wait for slots in the same ready list (`ready-list.ts`).
 */
import type { Message } from '@aws-sdk/client-sqs';
import type { HeldMessage } from './held-message.js';
import type { SqsLease } from './lease.js';
import type { QueueTarget } from './queues.js';

/** One job's worth of a received message waiting for a slot. */
export interface WaitingItem {
  readonly target: QueueTarget;
  readonly held: HeldMessage;
}

/** How a claim ends for an item still waiting that the claim made pointless. */
export interface DroppedItem<Item> {
  item: Item;
  /** `discard`: nothing left to claim (the ticket is settled); `paused`: the queue is paused (it goes back for a while). */
  reason: 'discard' | 'paused';
}

/** What a claim of a group of waiting items gave. */
export interface ClaimOutcome<Item> {
  /** One per item taken: its lease, or null when it needs no slot after all. */
  leases: Array<SqsLease | null>;
  /** Items still waiting that are to leave the list (only those still there when the claim ends). */
  dropped: Array<DroppedItem<Item>>;
}

/** The ordering-specific part of a consumer. */
export interface DeliveryMode<Item extends WaitingItem> {
  /** Jobs a received message stands for (what it counts against the slots). */
  jobsOf(message: Message): number;
  /**
   * Deals with what needs no slot (foreign, stale, not due, paused) and returns the items that wait
   * for one. `visibilitySeconds`: what the receive asked for (a long poll asks for less than a lease).
   */
  screen(
    target: QueueTarget,
    messages: Message[],
    receivedAtMs: number,
    visibilitySeconds: number,
  ): Promise<Item[]>;
  /** Claims `take`, with the items still `waiting` beside them. */
  claim(take: Item[], waiting: readonly Item[]): Promise<ClaimOutcome<Item>>;
  /** The consumer stops: items kept aside (not yet in the waiting list) join it now. */
  stop?(): void;
}
