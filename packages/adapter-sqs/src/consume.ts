/**
 * The receive loops of one `consume` call. Priority is emulated with band queues
 * polled most urgent first: while work flows each poller short-polls the bands in
 * order and takes from the first that has messages; when all are empty the bands
 * are long-polled at once (one poll per band queue) and polling goes round again as
 * soon as any answers. Several pollers (one per 10 messages' worth of slots, up to 4) keep
 * receives going while claims run. Never more leases are handed out than free slots.
 *
 * Slots count jobs, and a message may name several jobs (see `jobsPerMessage`): receives ask
 * for as many messages as the free room holds at the jobs per message seen so far. A received
 * batch is screened (records read in one store call) at once, then its jobs wait in a small
 * ready list until slots free; each group of freed slots is claimed with one store call. With
 * concurrency ≥ 2 up to as many jobs again as there are slots (with shared messages: one full
 * receive, at most 100 jobs) may be received ahead, so receiving and reading overlap the running
 * jobs; shared messages are received once half that capacity is free, several per call. A message none of whose jobs has a slot after
 * a quarter of the lease (at most 1 s) is given back unclaimed, so its lease is never cut short
 * by much, and receiving ahead pauses until a slot frees; a message some of whose jobs run has
 * its visibility extended instead while the rest wait. Concurrency 1 receives nothing ahead
 * (priority stays strict, up to the jobs of one message).
 *
 * Claiming ahead: while a running lease's final write is in flight, its slot is as good as free,
 * so one more job is claimed then and handed out the moment the slot frees; a slot waits for one
 * store round trip per job (the settlement), not two. A job claimed ahead when the consumer stops
 * goes back unstarted (pending, attempt not counted).
 */
import type { Message } from '@aws-sdk/client-sqs';
import type { ConsumeOptions, Consumer, Lease } from '@switchyard/core';
import type { HeldMessage } from './held-message.js';
import type { SqsLease } from './lease.js';
import type { BandQueue } from './queues.js';
import { type Claimable, claimBatch, decodeReceived, type Received, screenBatch } from './receive.js';
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
  /** Jobs being claimed, claimed ahead (waiting for a slot) and leases handed out and not yet finished. */
  private active = 0;
  /** Leases handed to `onLease` and not yet finished: never more than the concurrency. */
  private running = 0;
  /** Running leases whose final settlement write is in flight: their slots are about to free. */
  private settling = 0;
  /** Leases claimed while slots were settling, handed out as those slots free. */
  private claimedAhead: SqsLease[] = [];
  /** Jobs of messages received and being screened (records read). */
  private screening = 0;
  /** Jobs per received message, averaged (how many messages a receive asks for); starts at our own setting. */
  private jobsPerMessage: number;
  /** Screened jobs waiting for a slot, most urgent band first. */
  private ready: Claimable[] = [];
  private readyTimer: ReturnType<typeof setTimeout> | null = null;
  private pumpScheduled = false;
  /** Whether jobs may be received beyond the free slots at all (see the file comment). */
  private readonly mayReceiveAhead: boolean;
  /**
   * Off once a message received ahead had to be given back (the slots are held by slow jobs),
   * until a slot frees: slow jobs then cost no receive-and-give-back cycles.
   */
  private receiveAhead = true;
  /** Jobs promised to short polls in flight (so two pollers never over-receive). */
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
    this.jobsPerMessage = runtime.options.jobsPerMessage;
    this.mayReceiveAhead = !runtime.options.fifo && options.concurrency >= 2;
    this.finished = this.run();
  }

  /** Stops taking jobs; resolves once no further `onLease` call will be made. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.pump();
    for (const lease of this.claimedAhead.splice(0)) this.track(this.unclaim(lease));
    this.nudge();
    while (this.handoffs.size > 0) await Promise.all([...this.handoffs]);
  }

  private async run(): Promise<void> {
    const targets = await this.resolveTargets();
    if (targets) {
      // FIFO receives one message per call, so more pollers mean more groups in parallel.
      const perPoller = this.runtime.options.fifo ? 1 : 10 * this.runtime.options.jobsPerMessage;
      const pollers = Math.min(
        MAX_POLLERS,
        Math.ceil((this.options.concurrency + this.prefetch()) / perPoller),
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
      if (this.stopped || !this.roomForAMessage()) return;
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
    const promised = Math.max(1, Math.round(max * this.jobsPerMessage));
    this.requested += promised;
    try {
      return await this.receive(target, max, 0);
    } finally {
      this.requested -= promised;
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

  /** Messages to ask for: as many as the room holds at the jobs per message seen so far. */
  private batchSize(): number {
    // FIFO: one message per call, so SQS's group lock (not our concurrency) orders a group's jobs.
    if (this.runtime.options.fifo) return 1;
    return Math.min(10, Math.max(1, Math.floor(this.room() / this.jobsPerMessage)));
  }

  private receive(target: BandQueue, max: number, waitSeconds: number): Promise<Message[]> {
    return this.runtime.messages.receive(
      target.url,
      max,
      leaseSeconds(this.options.leaseDurationMs),
      waitSeconds,
    );
  }

  /** Screens as many messages as there is room for (at least one when there is any); gives the rest back at once. */
  private dispatch(target: BandQueue, messages: Message[]): void {
    if (messages.length === 0) return;
    let room = this.stopped ? 0 : Math.max(0, this.room());
    const taken: Received[] = [];
    const surplus: string[] = [];
    let jobs = 0;
    for (const message of messages) {
      if (room <= 0) {
        surplus.push(message.ReceiptHandle ?? '');
        continue;
      }
      const received = decodeReceived(message);
      const count = received.doorbells?.length ?? 1;
      this.jobsPerMessage += (count - this.jobsPerMessage) / 4;
      taken.push(received);
      jobs += count;
      room -= count;
    }
    this.giveBack(target.url, surplus);
    if (taken.length === 0) return;
    // Read after the messages arrived, so a pause made before they were received is honoured.
    // A store that checks the pause flag in the claim itself needs no separate read.
    const paused = this.runtime.options.store.claimJobs ? NONE_PAUSED : this.pauseFlags(Date.now());
    const receivedAtMs = Date.now();
    this.screening += jobs;
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
        this.screening -= jobs;
        this.ready.push(...claimables);
        // Stable: most urgent band first, arrival order within a band.
        this.ready.sort((a, b) => a.target.band - b.target.band);
        this.pump();
        this.nudge();
      });
    this.track(screened);
  }

  /**
   * Hands ready jobs to free slots (one claim call per group). A message none of whose jobs got a
   * slot in time, or any waiting job after stop(), is given back; a message some of whose jobs
   * run is kept hidden while the rest wait.
   */
  private pump(): void {
    const now = Date.now();
    const untouched = new Map<string, string[]>();
    const partly = new Map<HeldMessage, number>();
    this.ready = this.ready.filter(({ held }) => {
      if (held.lost) {
        // Its visibility could not be extended: the message (and these jobs) went to someone else.
        held.settle();
        return false;
      }
      if (!this.stopped && now - held.visibleSinceMs <= this.waitLimitMs(held)) return true;
      if (!this.stopped && held.taken > 0) {
        held
          .extend(leaseSeconds(this.options.leaseDurationMs))
          .catch((error: unknown) =>
            this.runtime.logger.warn({ err: error }, 'sqs: extending a shared message failed'),
          );
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
    if (untouched.size > 0 && !this.stopped) this.receiveAhead = false;
    for (const [url, handles] of untouched) this.giveBack(url, handles);
    for (const [held, count] of partly) if (count > 0) held.giveBack(0, count);
    const take = this.ready.splice(0, Math.max(0, this.freeSlots()));
    if (take.length > 0) {
      this.active += take.length;
      for (const claimable of take) claimable.held.taken++;
      this.track(this.claimAndRun(take));
    }
    if (this.ready.length > 0 && !this.readyTimer) {
      const due = Math.min(...this.ready.map(({ held }) => held.visibleSinceMs + this.waitLimitMs(held)));
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
    const lease = this.options.leaseDurationMs;
    return held.taken > 0 ? lease / 3 : Math.min(MAX_READY_WAIT_MS, lease / 4);
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
      leases = await claimBatch(this.runtime, take);
    } catch (error) {
      this.runtime.logger.error(
        { err: error },
        'sqs: claiming received messages failed; they reappear after their visibility timeout',
      );
      leases = take.map(() => null);
    }
    for (const lease of leases) {
      if (!lease) this.claimDropped();
      else if (this.running < this.options.concurrency) this.handOut(lease);
      else if (this.stopped) this.track(this.unclaim(lease));
      else this.claimedAhead.push(lease);
    }
  }

  /** Calls `onLease` in a free slot; the slot frees when the lease is finished with. */
  private handOut(lease: SqsLease): void {
    this.running++;
    if (this.mayReceiveAhead) lease.watchSettlement(this.settlementWatcher);
    void this.onLease(lease).finally(() => this.leaseFinished());
  }

  /**
   * While a lease's final write is in flight its slot is as good as free: one more job may be
   * claimed ahead, so the claim's store round trip overlaps the settlement's instead of following it.
   */
  private readonly settlementWatcher = {
    begin: (): void => {
      this.settling++;
      this.schedulePump();
    },
    end: (): void => {
      this.settling--;
    },
  };

  /** A lease claimed ahead that will not run here (stopping): the job goes back unstarted. */
  private async unclaim(lease: SqsLease): Promise<void> {
    try {
      await lease.giveBackUnstarted();
    } catch (error) {
      this.runtime.logger.warn(
        { err: error, jobId: lease.job.id },
        'sqs: giving back a job claimed ahead failed; its message reappears after its visibility timeout',
      );
    } finally {
      this.active--;
    }
  }

  /** Makes whole messages visible again at once (beyond capacity, waited too long, or received while stopping). */
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

  /** Jobs that may be claimed now: free slots, plus the slots whose lease is settling. */
  private freeSlots(): number {
    return this.options.concurrency + this.settling - this.active;
  }

  /**
   * Jobs that may be received beyond the free slots: as many as the slots; with shared messages
   * (as received so far) room for one full receive of 10 of them, at most 100 jobs.
   */
  private prefetch(): number {
    if (!this.mayReceiveAhead) return 0;
    const shared = this.jobsPerMessage >= 1.5 ? Math.min(100, Math.round(10 * this.jobsPerMessage)) : 0;
    return Math.max(this.options.concurrency, shared);
  }

  /** How many more jobs may be received now: free slots plus the prefetch, less what is on its way. */
  private room(): number {
    return (
      this.options.concurrency +
      (this.receiveAhead ? this.prefetch() : 0) -
      this.active -
      this.requested -
      this.screening -
      this.ready.length
    );
  }

  /**
   * Whether a receive is worth making. Messages of one job: any room. Shared messages: room for half
   * the capacity, so they come several per call rather than one each time a message's jobs finish.
   */
  private roomForAMessage(): boolean {
    const capacity = this.options.concurrency + (this.receiveAhead ? this.prefetch() : 0);
    const wanted = this.jobsPerMessage >= 1.5 ? Math.max(1, Math.floor(capacity / 2)) : 1;
    return this.room() >= wanted;
  }

  /** A lease is finished with: its slot goes to a lease claimed ahead, if any, else to the ready list. */
  private leaseFinished(): void {
    this.running--;
    const next = this.claimedAhead.shift();
    if (next) this.handOut(next);
    this.claimDropped();
  }

  /** One claimed (or being claimed) job fewer: room for the next. */
  private claimDropped(): void {
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
    while (!this.stopped && !this.roomForAMessage()) {
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
