/**
 * The receive loops of one `consume` call. Priority is emulated with band queues
 * polled most urgent first: while work flows each poller short-polls the bands in
 * order and takes from the first that has messages; when all are empty the bands
 * are long-polled at once (one poll per band queue) and polling goes round again as
 * soon as any answers. Several pollers (one per 10 slots, up to 4) keep receives
 * going while claims run. Never more leases are handed out than free slots.
 *
 * A received batch is screened (records read in one store call) at once, then waits in a
 * small ready list until slots free; each group of freed slots is claimed with one store
 * call. With concurrency ≥ 2 up to as many messages again as there are slots may be
 * received ahead, so receiving and reading overlap the running jobs; a message that waits
 * longer than a quarter of the lease (at most 1 s) is given back unclaimed, so its lease is
 * never cut short by much, and receiving ahead pauses until a slot frees. Concurrency 1
 * receives nothing ahead (priority stays strict).
 */
import type { Message } from '@aws-sdk/client-sqs';
import type { ConsumeOptions, Consumer, Lease } from '@switchyard/core';
import type { SqsLease } from './lease.js';
import type { BandQueue } from './queues.js';
import { type Claimable, claimBatch, screenBatch } from './receive.js';
import type { AdapterRuntime } from './runtime.js';
import { leaseSeconds } from './transitions.js';

/** Pause after a failed cycle (backend down), so a broken connection does not spin. */
const ERROR_BACKOFF_MS = 1_000;
/** How stale the pause flags that decide which queues to poll may be (each batch re-reads them). */
const PAUSE_FLAGS_MAX_AGE_MS = 100;
/**
 * A band found empty is not short-polled again for this long while lower bands have work: it saves
 * one ReceiveMessage per batch, and an urgent job waits at most this long for its turn.
 */
const EMPTY_BAND_RECHECK_MS = 100;
/** Pause flags of a screen whose claim checks the flags itself. */
const NONE_PAUSED: Promise<ReadonlySet<string>> = Promise.resolve(new Set<string>());
/** Most pollers per consumer. */
const MAX_POLLERS = 4;
/** Longest a received message waits for a slot before it is given back (also capped at a quarter lease). */
const MAX_READY_WAIT_MS = 1_000;

/** A running consumer; `finished` settles when its pollers and every poll they started are done. */
export class SqsConsumer implements Consumer {
  readonly finished: Promise<void>;
  private stopped = false;
  /** Messages being claimed plus leases handed out and not yet settled. */
  private active = 0;
  /** Messages received and being screened (records read). */
  private screening = 0;
  /** Screened messages waiting for a slot, most urgent band first. */
  private ready: Claimable[] = [];
  private readyTimer: ReturnType<typeof setTimeout> | null = null;
  private pumpScheduled = false;
  /** Messages that may be received beyond the free slots (see the file comment). */
  private readonly prefetch: number;
  /**
   * Off once a message received ahead had to be given back (the slots are held by slow jobs),
   * until a slot frees: slow jobs then cost no receive-and-give-back cycles.
   */
  private receiveAhead = true;
  /** Slots promised to short polls in flight (so two pollers never over-receive). */
  private requested = 0;
  /** Woken when a slot frees or on stop: idle long-poll waits and sleeps. */
  private readonly wakers = new Set<() => void>();
  /** Woken when capacity returns (a slot freed, a short poll's promise given back) or on stop. */
  private readonly slotWaiters = new Set<() => void>();
  private readonly longPolls = new Map<string, Promise<void>>();
  private readonly handoffs = new Set<Promise<void>>();
  private pauseRead: { startedAt: number; flags: Promise<ReadonlySet<string>> } | null = null;
  /** When each band queue last answered a short poll with nothing. */
  private readonly emptyAt = new Map<string, number>();

  constructor(
    private readonly runtime: AdapterRuntime,
    private readonly queues: string[],
    private readonly options: ConsumeOptions,
    private readonly onLease: (lease: Lease) => Promise<void>,
  ) {
    this.prefetch = runtime.options.fifo || options.concurrency < 2 ? 0 : options.concurrency;
    this.finished = this.run();
  }

  /** Stops taking jobs; resolves once no further `onLease` call will be made. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.pump();
    this.nudge();
    while (this.handoffs.size > 0) await Promise.all([...this.handoffs]);
  }

  private async run(): Promise<void> {
    const targets = await this.resolveTargets();
    if (targets) {
      // FIFO receives one message per call, so more pollers mean more groups in parallel.
      const perPoller = this.runtime.options.fifo ? 1 : 10;
      const pollers = Math.min(
        MAX_POLLERS,
        Math.ceil((this.options.concurrency + this.prefetch) / perPoller),
      );
      await Promise.all(Array.from({ length: Math.max(1, pollers) }, () => this.poll(targets)));
    }
    await Promise.all([...this.longPolls.values()]);
    while (this.handoffs.size > 0) await Promise.all([...this.handoffs]);
    this.pump();
  }

  private async poll(targets: BandQueue[]): Promise<void> {
    while (!this.stopped) {
      try {
        await this.cycle(targets);
      } catch (error) {
        this.runtime.logger.error({ err: error }, 'sqs: receive loop failed; retrying');
        await this.sleep(ERROR_BACKOFF_MS);
      }
    }
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
    const paused = await this.pauseFlags(Date.now() - PAUSE_FLAGS_MAX_AGE_MS);
    const open = targets.filter((target) => !paused.has(target.queue));
    if (open.length === 0) {
      await this.sleep(this.runtime.options.pausedRecheckMs);
      return;
    }
    // Busy path: the most urgent band with messages wins.
    for (const target of open) {
      if (this.stopped || this.room() <= 0) return;
      if (this.longPolls.has(target.url)) continue;
      if (Date.now() - (this.emptyAt.get(target.url) ?? 0) < EMPTY_BAND_RECHECK_MS) continue;
      const received = await this.shortPoll(target);
      if (received.length > 0) {
        this.emptyAt.delete(target.url);
        this.dispatch(target, received);
        return;
      }
      this.emptyAt.set(target.url, Date.now());
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
          poll = this.longPoll(target, waitTimeSeconds);
          this.longPolls.set(target.url, poll);
        }
        void poll.then(resolve);
      }
      // Also woken by a freed slot or stop(): the next cycle short-polls the bands without a long poll.
      this.wakers.add(resolve);
    });
    await anyAnswer;
  }

  /** A short poll holding its slots while in flight. */
  private async shortPoll(target: BandQueue): Promise<Message[]> {
    const max = this.batchSize();
    this.requested += max;
    try {
      return await this.receive(target, max, 0);
    } finally {
      this.requested -= max;
      this.wake(this.slotWaiters);
    }
  }

  /** A long poll; it holds no slots (it may wait 20 s), so what does not fit when it answers is given back. */
  private longPoll(target: BandQueue, waitSeconds: number): Promise<void> {
    return this.receive(target, this.batchSize(), waitSeconds)
      .then((received) => this.dispatch(target, received))
      .catch((error: unknown) => this.runtime.logger.error({ err: error }, 'sqs: long poll failed'))
      .finally(() => this.longPolls.delete(target.url));
  }

  private batchSize(): number {
    // FIFO: one message per call, so SQS's group lock (not our concurrency) orders a group's jobs.
    return this.runtime.options.fifo ? 1 : Math.min(10, Math.max(1, this.room()));
  }

  private receive(target: BandQueue, max: number, waitSeconds: number): Promise<Message[]> {
    return this.runtime.messages.receive(
      target.url,
      max,
      leaseSeconds(this.options.leaseDurationMs),
      waitSeconds,
    );
  }

  /** Screens as many messages as there is room for; gives the rest back at once. */
  private dispatch(target: BandQueue, received: Message[]): void {
    if (received.length === 0) return;
    const room = this.stopped ? 0 : Math.max(0, this.room());
    const taken = received.slice(0, room);
    this.giveBack(
      target.url,
      received.slice(room).map((message) => message.ReceiptHandle ?? ''),
    );
    if (taken.length === 0) return;
    // Read after the messages arrived, so a pause made before they were received is honoured.
    // A store that checks the pause flag in the claim itself needs no separate read.
    const paused = this.runtime.options.store.claimJobs ? NONE_PAUSED : this.pauseFlags(Date.now());
    const receivedAtMs = Date.now();
    this.screening += taken.length;
    const screened = screenBatch(this.runtime, target, taken, {
      leaseDurationMs: this.options.leaseDurationMs,
      pausedQueues: paused,
      receivedAtMs,
    })
      .catch((error: unknown) => {
        this.runtime.logger.error(
          { err: error },
          'sqs: reading the jobs of received messages failed; they reappear after their visibility timeout',
        );
        return [];
      })
      .then((claimables) => {
        this.screening -= taken.length;
        this.ready.push(...claimables);
        // Stable: most urgent band first, arrival order within a band.
        this.ready.sort((a, b) => a.target.band - b.target.band);
        this.pump();
        this.nudge();
      });
    this.track(screened);
  }

  /**
   * Hands ready messages to free slots (one claim call per group), and gives back those that
   * waited too long or arrived after stop().
   */
  private pump(): void {
    const now = Date.now();
    const maxWait = Math.min(MAX_READY_WAIT_MS, this.options.leaseDurationMs / 4);
    const stale = new Map<string, string[]>();
    this.ready = this.ready.filter((claimable) => {
      const { url, receiptHandle, receivedAtMs } = claimable.delivery;
      if (!this.stopped && now - receivedAtMs <= maxWait) return true;
      stale.set(url, [...(stale.get(url) ?? []), receiptHandle]);
      return false;
    });
    if (stale.size > 0 && !this.stopped) this.receiveAhead = false;
    for (const [url, handles] of stale) this.giveBack(url, handles);
    const take = this.ready.splice(0, Math.max(0, this.freeSlots()));
    if (take.length > 0) {
      this.active += take.length;
      this.track(this.claimAndRun(take));
    }
    if (this.ready.length > 0 && !this.readyTimer) {
      const oldest = Math.min(...this.ready.map((claimable) => claimable.delivery.receivedAtMs));
      this.readyTimer = setTimeout(
        () => {
          this.readyTimer = null;
          this.pump();
        },
        Math.max(1, oldest + maxWait - now + 1),
      );
    }
  }

  /** One pump for all the slots freed in this turn, so they are claimed with one store call. */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Claims a group of ready messages and calls `onLease` for each lease; a slot without one is freed at once. */
  private async claimAndRun(take: Claimable[]): Promise<void> {
    let leases: Array<SqsLease | null>;
    try {
      leases = await claimBatch(this.runtime, take, this.options.leaseDurationMs);
    } catch (error) {
      this.runtime.logger.error(
        { err: error },
        'sqs: claiming received messages failed; they reappear after their visibility timeout',
      );
      leases = take.map(() => null);
    }
    for (const lease of leases) {
      if (!lease) this.slotFreed();
      else void this.onLease(lease).finally(() => this.slotFreed());
    }
  }

  /** Makes messages visible again at once (beyond capacity, waited too long, or received while stopping). */
  private giveBack(url: string, receiptHandles: string[]): void {
    if (receiptHandles.length === 0) return;
    this.runtime.messages
      .releaseMany(url, receiptHandles)
      .catch((error: unknown) =>
        this.runtime.logger.warn(
          { err: error },
          'sqs: giving back surplus messages failed; they reappear after their visibility timeout',
        ),
      );
  }

  private track(work: Promise<void>): void {
    this.handoffs.add(work);
    void work.finally(() => this.handoffs.delete(work));
  }

  /**
   * The queues' pause flags, from a read started at or after `since` (ms): concurrent callers
   * share one read. A failed read rejects every sharer; each reports it where it awaits.
   */
  private pauseFlags(since: number): Promise<ReadonlySet<string>> {
    if (this.pauseRead && this.pauseRead.startedAt >= since) return this.pauseRead.flags;
    const { records, options } = this.runtime;
    const flags = records.call('read pause flags', () => options.store.pausedQueues());
    this.pauseRead = { startedAt: Date.now(), flags };
    // A rejected read must not linger as the shared answer.
    flags.catch(() => {
      if (this.pauseRead?.flags === flags) this.pauseRead = null;
    });
    return flags;
  }

  /** Slots free for new leases. */
  private freeSlots(): number {
    return this.options.concurrency - this.active;
  }

  /** How many more messages may be received now: free slots plus the prefetch, less what is on its way. */
  private room(): number {
    return (
      this.options.concurrency +
      (this.receiveAhead ? this.prefetch : 0) -
      this.active -
      this.requested -
      this.screening -
      this.ready.length
    );
  }

  private slotFreed(): void {
    this.active--;
    this.receiveAhead = true;
    this.schedulePump();
    this.nudge();
  }

  private nudge(): void {
    this.wake(this.wakers);
    this.wake(this.slotWaiters);
  }

  private wake(waiters: Set<() => void>): void {
    const woken = [...waiters];
    waiters.clear();
    for (const resolve of woken) resolve();
  }

  private async waitForSlot(): Promise<void> {
    while (!this.stopped && this.room() <= 0) {
      await new Promise<void>((resolve) => this.slotWaiters.add(resolve));
    }
  }

  /** Real-time sleep (SQS runs on real time), cut short by `stop()` or a freed slot. */
  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }
}
