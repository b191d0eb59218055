/**
 * A consumer: a loop that claims jobs while it has free slots and ready jobs
 * exist (fetching again at once after a full batch), and otherwise sleeps until
 * a NOTIFY, a settled lease, a known due time (`due-times.ts`), or the fallback poll wakes it.
 * A completed lease frees its slot as soon as `complete` is called (the write
 * is batched by the settler and runs beside the next claim; see lease.ts).
 */
import type { Clock, ConsumeOptions, Consumer, Lease, Logger, TimerHandle } from '@switchyard/core';
import { decodeJob } from './codec.js';
import type { Database } from './database.js';
import { DueTimes } from './due-times.js';
import { type ClaimedRow, claimJobs } from './fetch.js';
import { foreignDelivery } from './foreign-delivery.js';
import type { ForeignJobs } from './foreign-jobs.js';
import { type LeaseHost, PgLease } from './lease.js';
import type { Notification } from './notify.js';
import type { Settler } from './settle.js';

/** What a consumer shares with its adapter. */
export interface ConsumerEnvironment {
  db: Database;
  schema: string;
  clock: Clock;
  logger: Logger;
  settler: Settler;
  pollIntervalMs: number;
  fetchBatchSize: number;
  /** Leases held by this process, by job id (cross-process cancel notifications look them up). */
  leases: Map<string, PgLease>;
  /** The `foreignJobs` mappings, for rows a plain pg-boss producer wrote. */
  foreign: ForeignJobs;
}

/** How long the loop backs off after a failed fetch (connection lost, database restarting). */
const ERROR_BACKOFF_MS = [50, 100, 250, 500, 1000];

/** Claims and delivers jobs of `queues` until stopped. */
export class PgConsumer implements Consumer, LeaseHost {
  readonly settler: Settler;
  readonly leaseDurationMs: number;
  private inFlight = 0;
  /** Completions whose slot is free but whose write has not returned yet. */
  private unwritten = 0;
  private stopped = false;
  private woken = false;
  private wakeWaiter: (() => void) | undefined;
  private readonly dueTimes: DueTimes;
  private loopDone: Promise<void> = Promise.resolve();
  private readonly queueSet: Set<string>;

  constructor(
    private readonly env: ConsumerEnvironment,
    readonly queues: string[],
    private readonly options: ConsumeOptions,
    private readonly onLease: (lease: Lease) => Promise<void>,
  ) {
    this.settler = env.settler;
    this.leaseDurationMs = options.leaseDurationMs;
    this.queueSet = new Set(queues);
    this.dueTimes = new DueTimes(env.clock, () => this.wake());
  }

  /** Starts the claim loop. */
  start(): void {
    this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.dueTimes.clear();
    this.wake();
    await this.loopDone;
  }

  /** Reacts to a notification (or a LISTEN reconnect, after which anything may have been missed). */
  notify(notification: Notification | 'reconnected'): void {
    if (notification === 'reconnected') {
      this.wake();
      return;
    }
    if (notification.kind !== 'ready' || !this.queueSet.has(notification.queue)) return;
    const delay = notification.readyAt - this.env.clock.now();
    if (delay <= 0) this.wake();
    else if (!this.stopped) this.dueTimes.add(notification.readyAt);
  }

  /** Wakes the loop: something may be claimable now. */
  wake(): void {
    this.woken = true;
    const waiter = this.wakeWaiter;
    this.wakeWaiter = undefined;
    waiter?.();
  }

  completionPending(written: Promise<void>): void {
    this.unwritten++;
    const done = () => {
      this.unwritten--;
      this.wake();
    };
    written.then(done, done);
  }

  onSettled(lease: PgLease): void {
    this.inFlight--;
    if (this.env.leases.get(lease.job.id) === lease) this.env.leases.delete(lease.job.id);
    this.wake();
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      // Handlers that finish together free their slots together: when only some slots are free, let the rest of
      // this tick's settlements arrive, so one claim refills them all instead of one claim per slot.
      if (this.inFlight > 0 && this.options.concurrency - this.inFlight < this.env.fetchBatchSize)
        await yieldTick();
      const free = freeSlots(this.options.concurrency, this.inFlight, this.unwritten);
      if (free <= 0) {
        await this.sleep(false);
        continue;
      }
      const limit = Math.min(free, this.env.fetchBatchSize);
      let claimed: ClaimedRow[];
      try {
        claimed = await claimJobs(this.env.db, this.env.schema, {
          queues: this.queues,
          limit,
          now: this.env.clock.now(),
          leaseDurationMs: this.leaseDurationMs,
        });
        failures = 0;
      } catch (error) {
        this.env.logger.error({ err: error, queues: this.queues }, 'pgboss: fetch failed; retrying');
        const delay = ERROR_BACKOFF_MS[Math.min(failures++, ERROR_BACKOFF_MS.length - 1)] ?? 1000;
        await new Promise((resolve) => setTimeout(resolve, delay));
        continue;
      }
      for (const row of claimed) this.deliver(row);
      // A full batch means more may be ready: claim again at once instead of waiting for a poll.
      if (claimed.length === limit) continue;
      await this.sleep(true);
    }
  }

  private deliver(claimed: ClaimedRow): void {
    if (claimed.sy_task === null) {
      // Written by a plain pg-boss producer: mapped (and adopted) first, or delivered as malformed.
      this.inFlight++;
      foreignDelivery(this.env, claimed)
        .then((delivery) => {
          this.inFlight--;
          if (delivery) this.startLease(delivery.row, delivery.malformed);
          else this.wake();
        })
        .catch((error: unknown) => {
          // The row stays active under its lease, which expires and redelivers it.
          this.inFlight--;
          this.env.logger.error({ err: error, jobId: claimed.id }, 'pgboss: adopting a foreign job failed');
          this.wake();
        });
      return;
    }
    this.startLease(claimed);
  }

  private startLease(row: ClaimedRow, foreignMalformed?: Error): void {
    const decoded = decodeJob(row, this.env.clock.now());
    const job = decoded.job;
    const malformed = foreignMalformed ?? decoded.malformed;
    const token = row.sy_lease_token ?? '';
    const lease = new PgLease(
      job,
      row.sy_redelivered,
      { queue: row.name, id: row.id, token },
      this,
      malformed,
    );
    this.inFlight++;
    this.env.leases.set(job.id, lease);
    this.onLease(lease).catch((error: unknown) => {
      // The contract says onLease never rejects; if it does, say so rather than lose it.
      this.env.logger.error({ err: error, jobId: job.id }, 'pgboss: onLease rejected');
    });
  }

  /** Waits for a wake-up; with `poll`, also for the fallback poll interval. */
  private async sleep(poll: boolean): Promise<void> {
    if (this.woken || this.stopped) {
      this.woken = false;
      return;
    }
    await new Promise<void>((resolve) => {
      let handle: TimerHandle | undefined;
      this.wakeWaiter = () => {
        if (handle !== undefined) this.env.clock.clearTimeout(handle);
        resolve();
      };
      if (poll) handle = this.env.clock.setTimeout(() => this.wake(), this.env.pollIntervalMs);
    });
    this.woken = false;
  }
}

/** Resolves on the next turn of the event loop (setImmediate), after this tick's pending callbacks. */
function yieldTick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * How many jobs a claim may take (pure). A completion frees its slot before its batched write returns, so
 * the next claim runs beside the write; but up to `concurrency` such writes only: past that, writes are
 * lagging, and claiming on would let the jobs marked running outgrow `concurrency` without bound.
 */
export function freeSlots(concurrency: number, running: number, unwritten: number): number {
  return concurrency - running - Math.max(0, unwritten - concurrency);
}
