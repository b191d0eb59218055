/**
 * The receive loop of one `consume` call. Priority is emulated with band queues
 * polled most urgent first: while work flows it short-polls the bands in order
 * and takes from the first that has messages; when all are empty it long-polls
 * every band at once (one poll per band queue) and goes round again as soon as
 * any answers. Never more messages are turned into leases than free slots.
 */
import type { Message } from '@aws-sdk/client-sqs';
import type { ConsumeOptions, Consumer, Lease } from '@switchyard/core';
import type { BandQueue } from './queues.js';
import { processMessage } from './receive.js';
import type { AdapterRuntime } from './runtime.js';
import { leaseSeconds } from './transitions.js';

/** Pause after a failed cycle (backend down), so a broken connection does not spin. */
const ERROR_BACKOFF_MS = 1_000;

/** A running consumer; `finished` settles when its loop and every poll it started are done. */
export class SqsConsumer implements Consumer {
  readonly finished: Promise<void>;
  private stopped = false;
  private active = 0;
  private wake: (() => void) | null = null;
  private readonly longPolls = new Map<string, Promise<void>>();
  private readonly handoffs = new Set<Promise<void>>();
  private pausedQueues: ReadonlySet<string> = new Set();

  constructor(
    private readonly runtime: AdapterRuntime,
    private readonly queues: string[],
    private readonly options: ConsumeOptions,
    private readonly onLease: (lease: Lease) => Promise<void>,
  ) {
    this.finished = this.run();
  }

  /** Stops taking jobs; resolves once no further `onLease` call will be made. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.nudge();
    while (this.handoffs.size > 0) await Promise.all([...this.handoffs]);
  }

  private async run(): Promise<void> {
    const targets = await this.resolveTargets();
    while (!this.stopped && targets) {
      try {
        await this.cycle(targets);
      } catch (error) {
        this.runtime.logger.error({ err: error }, 'sqs: receive loop failed; retrying');
        await this.sleep(ERROR_BACKOFF_MS);
      }
    }
    await Promise.all([...this.longPolls.values()]);
    while (this.handoffs.size > 0) await Promise.all([...this.handoffs]);
  }

  /** Band queues of every consumed queue, most urgent band first, retried until they resolve or we stop. */
  private async resolveTargets(): Promise<BandQueue[] | null> {
    while (!this.stopped) {
      try {
        const perQueue = await Promise.all(this.queues.map((queue) => this.runtime.directory.bandsOf(queue)));
        await this.runtime.records.call('remember queues', () =>
          this.runtime.options.store.addQueues(this.queues),
        );
        return perQueue.flat().sort((a, b) => a.band - b.band);
      } catch (error) {
        this.runtime.logger.error({ err: error }, 'sqs: cannot resolve the SQS queues to consume; retrying');
        await this.sleep(ERROR_BACKOFF_MS);
      }
    }
    return null;
  }

  private async cycle(targets: BandQueue[]): Promise<void> {
    await this.waitForSlot();
    if (this.stopped) return;
    const { store } = this.runtime.options;
    this.pausedQueues = await this.runtime.records.call('read pause flags', () => store.pausedQueues());
    const open = targets.filter((target) => !this.pausedQueues.has(target.queue));
    if (open.length === 0) {
      await this.sleep(this.runtime.options.pausedRecheckMs);
      return;
    }
    // Busy path: the most urgent band with messages wins.
    for (const target of open) {
      if (this.stopped || this.freeSlots() <= 0) return;
      if (this.longPolls.has(target.url)) continue;
      const received = await this.receive(target, 0);
      if (received.length > 0) {
        this.dispatch(target, received);
        return;
      }
    }
    // Idle path: wait on every band at once; go round again when any of them answers.
    const { waitTimeSeconds } = this.runtime.options;
    if (waitTimeSeconds === 0) {
      await this.sleep(50);
      return;
    }
    const anyAnswer = new Promise<void>((resolve) => {
      for (const target of open) {
        let poll = this.longPolls.get(target.url);
        if (!poll) {
          poll = this.receive(target, waitTimeSeconds)
            .then((received) => this.dispatch(target, received))
            .catch((error: unknown) => this.runtime.logger.error({ err: error }, 'sqs: long poll failed'))
            .finally(() => this.longPolls.delete(target.url));
          this.longPolls.set(target.url, poll);
        }
        void poll.then(resolve);
      }
      this.wake = resolve;
    });
    // Also woken by a freed slot or stop(): the next cycle short-polls the bands without a long poll.
    await anyAnswer;
    this.wake = null;
  }

  private receive(target: BandQueue, waitSeconds: number): Promise<Message[]> {
    // FIFO: one message per call, so SQS's group lock (not our concurrency) orders a group's jobs.
    const max = this.runtime.options.fifo ? 1 : Math.min(10, Math.max(1, this.freeSlots()));
    return this.runtime.messages.receive(
      target.url,
      max,
      leaseSeconds(this.options.leaseDurationMs),
      waitSeconds,
    );
  }

  /** Turns messages into leases while there are free slots; gives the rest back at once. */
  private dispatch(target: BandQueue, received: Message[]): void {
    const giveBack: string[] = [];
    for (const message of received) {
      if (this.stopped || this.freeSlots() <= 0) {
        giveBack.push(message.ReceiptHandle ?? '');
        continue;
      }
      this.active++;
      const handoff = this.handOff(target, message);
      this.handoffs.add(handoff);
      void handoff.finally(() => this.handoffs.delete(handoff));
    }
    if (giveBack.length > 0) {
      this.runtime.messages
        .releaseMany(target.url, giveBack)
        .catch((error: unknown) =>
          this.runtime.logger.warn(
            { err: error },
            'sqs: giving back surplus messages failed; they reappear after their visibility timeout',
          ),
        );
    }
  }

  /** Claims one message and calls `onLease`; the slot is freed when the lease settles (or at once without one). */
  private async handOff(target: BandQueue, message: Message): Promise<void> {
    let lease: Lease | null = null;
    try {
      lease = await processMessage(this.runtime, target, message, {
        leaseDurationMs: this.options.leaseDurationMs,
        pausedQueues: this.pausedQueues,
      });
    } catch (error) {
      this.runtime.logger.error(
        { err: error, messageId: message.MessageId },
        'sqs: handling a received message failed; it reappears after its visibility timeout',
      );
    }
    if (!lease) {
      this.slotFreed();
      return;
    }
    void this.onLease(lease).finally(() => this.slotFreed());
  }

  private freeSlots(): number {
    return this.options.concurrency - this.active;
  }

  private slotFreed(): void {
    this.active--;
    this.nudge();
  }

  private nudge(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private async waitForSlot(): Promise<void> {
    while (!this.stopped && this.freeSlots() <= 0) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  /** Real-time sleep (SQS runs on real time), cut short by `stop()` or a freed slot. */
  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
