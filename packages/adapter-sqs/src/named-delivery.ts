/**
 * FIFO mode: each message names its job (see `receive.ts`): a received
 * batch's records are read in one store call, and the jobs that freed slots take are claimed
 * with one compare-and-set call.
 */
import type { Message } from '@aws-sdk/client-sqs';
import { decodeMessageBody } from './codec.js';
import type { ClaimOutcome, DeliveryMode } from './delivery-mode.js';
import type { QueueTarget } from './queues.js';
import { realNow } from './real-time.js';
import { type Claimable, claimBatch, decodeReceived, screenBatch } from './receive.js';
import type { AdapterRuntime } from './runtime.js';

/** Pause flags of a screen whose claim checks the flags itself. */
const NONE_PAUSED: Promise<ReadonlySet<string>> = Promise.resolve(new Set<string>());

/** Delivery of named doorbells. */
export class NamedDelivery implements DeliveryMode<Claimable> {
  constructor(
    private readonly runtime: AdapterRuntime,
    private readonly leaseDurationMs: number,
    /** The pause flags, read at or after `since` (real-time ms). */
    private readonly pauseFlags: (since: number) => Promise<ReadonlySet<string>>,
  ) {}

  jobsOf(message: Message): number {
    const body = decodeMessageBody(message.Body);
    return body?.kind === 'named' ? body.doorbells.length : 1;
  }

  screen(
    target: QueueTarget,
    messages: Message[],
    receivedAtMs: number,
    visibilitySeconds: number,
  ): Promise<Claimable[]> {
    const { runtime } = this;
    for (const message of messages) {
      if (decodeMessageBody(message.Body)?.kind === 'tickets')
        runtime.logger.error(
          { queue: target.queue, messageId: message.MessageId },
          "sqs: a ticket (a standard queue's message) reached a FIFO queue; every process of a yard must use the same fifo setting",
        );
    }
    // Read after the messages arrived, so a pause made before they were received is honoured.
    // A store that checks the pause flag in the claim itself needs no separate read.
    const paused = runtime.options.store.claimJobs ? NONE_PAUSED : this.pauseFlags(realNow());
    return screenBatch(runtime, target, messages.map(decodeReceived), {
      leaseDurationMs: this.leaseDurationMs,
      pausedQueues: paused,
      receivedAtMs,
      visibilitySeconds,
    });
  }

  async claim(take: Claimable[]): Promise<ClaimOutcome<Claimable>> {
    return { leases: await claimBatch(this.runtime, take), dropped: [] };
  }
}
