/**
 * The receive loops of one consumer: while work flows each poller short-polls the consumed
 * queues' SQS queues in turn and takes from the first that has messages; when all are empty they
 * are long-polled at once (one poll per SQS queue) and polling goes round again as soon as any
 * answers. Several pollers (see `pollerCount`) keep receives going while claims run. What a
 * receive asks for comes from the slot budget (`slot-budget.ts`); what it brings goes to
 * `onMessages`. Which job runs is not decided here: tickets claim the head of the store's ready
 * index (`ticket-delivery.ts`).
 */
import type { Message } from '@aws-sdk/client-sqs';
import type { QueueTarget } from './queues.js';
import { realNow } from './real-time.js';
import type { AdapterRuntime } from './runtime.js';
import type { SlotLedger } from './slot-budget.js';
import { leaseSeconds } from './transitions.js';
import type { WakeSignals } from './wake-signals.js';

/** Pause after a failed cycle (backend down), so a broken connection does not spin. */
const ERROR_BACKOFF_MS = 1_000;
/** How stale the pause flags that decide which queues to poll may be (each batch re-reads them). */
const PAUSE_FLAGS_MAX_AGE_MS = 100;
/**
 * The visibility a long poll asks for (at most a lease's): a long poll answered on a connection
 * that broke meanwhile hides what it took from everyone (SQS cannot tell the answer went nowhere),
 * so it should not be for a whole lease. What the consumer keeps is extended to a lease's when its
 * first job is claimed.
 */
export const LONG_POLL_VISIBILITY_SECONDS = 5;
/**
 * A receive that has not answered this long after its wait time is given up (its connection is
 * presumed dead, e.g. half-open after a network cut) and polling goes on on a new connection.
 */
export const RECEIVE_ANSWER_GRACE_MS = 5_000;
/**
 * An SQS queue found empty is not short-polled again for this long while other consumed queues
 * have work: it saves one ReceiveMessage per batch.
 */
const EMPTY_QUEUE_RECHECK_MS = 100;

/** What the receive loop needs from its consumer. */
export interface ReceiveLoopHost {
  readonly runtime: AdapterRuntime;
  readonly queues: string[];
  readonly leaseDurationMs: number;
  readonly ledger: SlotLedger;
  readonly signals: WakeSignals;
  /** True once the consumer stops. */
  stopped(): boolean;
  /** Messages received from one SQS queue, hidden for `visibilitySeconds` by the receive. */
  onMessages(target: QueueTarget, messages: Message[], visibilitySeconds: number): void;
}

/** The pollers of one consumer, and the pause flags they share. */
export class ReceiveLoop {
  private readonly longPolls = new Map<string, Promise<void>>();
  private pauseRead: { startedAt: number; flags: Promise<ReadonlySet<string>> } | null = null;
  /** When each SQS queue last answered a short poll with nothing. */
  private readonly emptyAt = new Map<string, number>();

  constructor(private readonly host: ReceiveLoopHost) {}

  /** Runs the pollers until the consumer stops; resolves once every poll they started is done. */
  async run(): Promise<void> {
    const targets = await this.resolveTargets();
    if (targets) {
      const pollers = this.host.ledger.pollerCount();
      await Promise.all(Array.from({ length: pollers }, () => this.poll(targets)));
    }
    await Promise.all([...this.longPolls.values()]);
  }

  /**
   * The queues' pause flags, from a read started at or after `since` (real-time ms): concurrent
   * callers share one read. A failed read rejects every sharer; each reports it where it awaits.
   */
  pauseFlags(since: number): Promise<ReadonlySet<string>> {
    if (this.pauseRead && this.pauseRead.startedAt >= since) return this.pauseRead.flags;
    const { records, options } = this.host.runtime;
    const flags = records.call('read pause flags', () => options.store.pausedQueues());
    this.pauseRead = { startedAt: realNow(), flags };
    // A rejected read must not linger as the shared answer.
    flags.catch(() => {
      if (this.pauseRead?.flags === flags) this.pauseRead = null;
    });
    return flags;
  }

  private async poll(targets: QueueTarget[]): Promise<void> {
    const { runtime, signals } = this.host;
    while (!this.host.stopped()) {
      try {
        await this.cycle(targets);
      } catch (error) {
        runtime.logger.error({ err: error }, 'sqs: receive loop failed; retrying');
        await signals.sleep(ERROR_BACKOFF_MS);
      }
    }
  }

  /** The SQS queue of every consumed queue, retried until they resolve or we stop. */
  private async resolveTargets(): Promise<QueueTarget[] | null> {
    const { runtime, queues, signals } = this.host;
    while (!this.host.stopped()) {
      try {
        const targets = await Promise.all(queues.map((queue) => runtime.directory.targetOf(queue)));
        await runtime.records.call('remember queues', () => runtime.options.store.addQueues(queues));
        return targets;
      } catch (error) {
        runtime.logger.error({ err: error }, 'sqs: cannot resolve the SQS queues to consume; retrying');
        await signals.sleep(ERROR_BACKOFF_MS);
      }
    }
    return null;
  }

  private async cycle(targets: QueueTarget[]): Promise<void> {
    const { ledger, signals, runtime } = this.host;
    await signals.until(() => this.host.stopped() || ledger.roomForAMessage());
    if (this.host.stopped()) return;
    const paused = await this.pauseFlags(realNow() - PAUSE_FLAGS_MAX_AGE_MS);
    const open = targets.filter((target) => !paused.has(target.queue));
    if (open.length === 0) {
      await signals.sleep(runtime.options.pausedRecheckMs);
      return;
    }
    // Busy path: the first queue with messages.
    for (const target of open) {
      if (this.host.stopped() || !ledger.roomForAMessage()) return;
      if (this.longPolls.has(target.url)) continue;
      if (realNow() - (this.emptyAt.get(target.url) ?? 0) < EMPTY_QUEUE_RECHECK_MS) continue;
      const received = await this.shortPoll(target);
      if (received.length > 0) {
        this.emptyAt.delete(target.url);
        this.host.onMessages(target, received, this.leaseSeconds);
        return;
      }
      this.emptyAt.set(target.url, realNow());
    }
    // Idle path: wait on every queue at once; go round again when any of them answers.
    const { waitTimeSeconds } = runtime.options;
    if (waitTimeSeconds === 0) {
      await signals.sleep(50);
      return;
    }
    await new Promise<void>((resolve) => {
      for (const target of open) {
        let poll = this.longPolls.get(target.url);
        if (!poll) {
          poll = this.longPoll(target, waitTimeSeconds);
          this.longPolls.set(target.url, poll);
        }
        void poll.then(resolve);
      }
      // Also woken by a freed slot or stop(): the next cycle short-polls the queues without a long poll.
      signals.onNudge(resolve);
    });
  }

  /** A short poll holding its slots while in flight. */
  private async shortPoll(target: QueueTarget): Promise<Message[]> {
    const { ledger, signals } = this.host;
    const max = ledger.messagesToAskFor();
    const promised = ledger.jobsPromised(max);
    ledger.apply({ type: 'poll-started', jobs: promised });
    try {
      return await this.receive(target, max, 0, this.leaseSeconds);
    } finally {
      ledger.apply({ type: 'poll-ended', jobs: promised });
      signals.capacityReturned();
    }
  }

  /**
   * A long poll; it holds no slots (it may wait 20 s), so what does not fit when it answers is given
   * back. It asks for a short visibility (see `LONG_POLL_VISIBILITY_SECONDS`).
   */
  private longPoll(target: QueueTarget, waitSeconds: number): Promise<void> {
    const visibility = Math.min(this.leaseSeconds, LONG_POLL_VISIBILITY_SECONDS);
    return this.receive(target, this.host.ledger.messagesToAskFor(), waitSeconds, visibility)
      .then((received) => this.host.onMessages(target, received, visibility))
      .catch((error: unknown) => this.host.runtime.logger.error({ err: error }, 'sqs: long poll failed'))
      .finally(() => this.longPolls.delete(target.url));
  }

  private get leaseSeconds(): number {
    return leaseSeconds(this.host.leaseDurationMs);
  }

  /** One ReceiveMessage, given up when it has not answered `RECEIVE_ANSWER_GRACE_MS` after its wait. */
  private receive(
    target: QueueTarget,
    max: number,
    waitSeconds: number,
    visibilitySeconds: number,
  ): Promise<Message[]> {
    return this.host.runtime.messages.receive(target.url, max, visibilitySeconds, waitSeconds, {
      giveUpAfterMs: waitSeconds * 1000 + RECEIVE_ANSWER_GRACE_MS,
    });
  }
}
