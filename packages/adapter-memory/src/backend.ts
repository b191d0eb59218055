import {
  AdapterError,
  type AdapterStartContext,
  type CancelOutcome,
  type Clock,
  type EnqueueOutcome,
  JobCancelledError,
  type JobRecord,
  type JobState,
  LeaseExpiredError,
  type Logger,
  MalformedJobError,
  type NewJob,
  PayloadTooLargeError,
  silentLogger,
  systemClock,
  type TimerHandle,
} from '@switchyard/core';
import { DelayedJobs } from './delayed-jobs.js';
import { Delivery, type MemoryConsumer } from './delivery.js';
import {
  displayPayload,
  encodeJson,
  type JobRow,
  leasedJobRecord,
  metadataCopier,
  readPayload,
  rowFromNewJob,
  toJobRecord,
} from './job-row.js';
import { JobTable } from './job-table.js';
import { JsonCopier } from './json-copy.js';
import { type LeaseHost, MemoryLease, type Settlement } from './lease.js';
import { LeaseExpiry } from './lease-expiry.js';
import { ReadyQueues } from './ready-queues.js';
import { RetentionLog } from './retention.js';

/** Settings of the backend, already parsed. */
export interface BackendSettings {
  clock?: Clock;
  maxPayloadBytes: number;
  sweepIntervalMs: number;
}

/**
 * The in-process store and its delivery machinery. Every job state change
 * happens here, so the heaps (ready, delayed, lease expiry), the counters and
 * the unique-key index always agree with the rows.
 */
export class MemoryBackend implements LeaseHost {
  readonly table = new JobTable();
  readonly ready = new ReadyQueues();
  readonly delivery: Delivery;
  /** Copies payloads in (enqueue) and out (deliveries, queries). */
  readonly copier = new JsonCopier();
  private readonly delayed: DelayedJobs;
  private readonly expiry: LeaseExpiry;
  private readonly retention = new RetentionLog();
  private clock: Clock;
  private logger: Logger = silentLogger;
  private nextSeq = 0;
  private starts = 0;
  /** Times read here are on the clock core uses, so a lease's start time can be shared with core. */
  private onCoreClock = false;
  private sweepTimer: TimerHandle | undefined;

  constructor(private readonly settings: BackendSettings) {
    this.clock = settings.clock ?? systemClock;
    const clock = (): Clock => this.clock;
    this.delayed = new DelayedJobs(clock, (row) => this.becameDue(row));
    this.expiry = new LeaseExpiry(clock, (lease) => this.expire(lease));
    this.delivery = new Delivery(
      (consumer) => this.leaseNext(consumer),
      () => this.logger,
    );
  }

  /** Current time from the injected clock. */
  now(): number {
    return this.clock.now();
  }

  /**
   * Starts timers. Start/close are counted: one in-process store may back several
   * yards ("several workers on one backend"), and it runs until the last one closes.
   */
  start(context: AdapterStartContext): void {
    this.starts++;
    if (this.starts > 1) return;
    this.clock = this.settings.clock ?? context.clock;
    this.onCoreClock = this.clock === context.clock;
    this.logger = context.logger;
    this.retention.configure(context.retention);
    this.delayed.arm();
    this.expiry.arm();
    this.scheduleSweep();
    this.delivery.kick();
  }

  /** Stops timers and consumers once every `start` has been matched by a `close`. */
  close(): void {
    if (this.starts === 0) return;
    this.starts--;
    if (this.starts > 0) return;
    this.delayed.disarm();
    this.expiry.disarm();
    if (this.sweepTimer !== undefined) this.clock.clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    this.delivery.stopAll();
  }

  enqueue(jobs: readonly NewJob[]): EnqueueOutcome[] {
    // Copy (and size-check) every payload first, so a bad one writes nothing.
    const payloads = jobs.map((job) => this.copyPayload(job));
    const now = this.now();
    const outcomes: EnqueueOutcome[] = [];
    const copyMetadata = metadataCopier();
    let anyReady = false;
    for (let index = 0; index < jobs.length; index++) {
      const job = jobs[index]!;
      const holder =
        this.table.existing(job.id) ??
        (job.uniqueKey === undefined ? undefined : this.table.uniqueHolder(job.task, job.uniqueKey));
      if (holder !== undefined) {
        outcomes.push({ status: 'duplicate', id: job.id, existingJobId: holder.id });
        continue;
      }
      const row = rowFromNewJob(job, payloads[index], copyMetadata(job.metadata), this.nextSeq++, now);
      this.table.insert(row);
      if (row.state === 'pending') {
        this.ready.add(row);
        anyReady = true;
      } else {
        this.delayed.add(row);
      }
      outcomes.push({ status: 'created', id: job.id });
    }
    if (anyReady) this.delivery.kick();
    return outcomes;
  }

  // --- leases -------------------------------------------------------------

  private leaseNext(consumer: MemoryConsumer): MemoryLease | undefined {
    const row = this.ready.takeBest(consumer.queues);
    if (row === undefined) return undefined;
    const now = this.now();
    this.table.setState(row, 'running');
    row.attempt++;
    row.startedAt = now;
    let payload: unknown;
    let malformed: MalformedJobError | undefined;
    try {
      payload = readPayload(row, this.copier);
    } catch (error) {
      malformed = new MalformedJobError(`memory: job ${row.id} has a stored payload that is not valid JSON`, {
        cause: error,
      });
    }
    const redelivered = row.redelivered;
    row.redelivered = false;
    const lease = new MemoryLease(
      leasedJobRecord(row, payload, now),
      row,
      consumer,
      consumer.leaseDurationMs,
      now,
      redelivered,
      malformed,
      this,
      this.onCoreClock ? now : undefined,
    );
    row.lease = lease;
    this.expiry.track(lease);
    return lease;
  }

  heartbeat(lease: MemoryLease): void {
    this.expiry.extend(lease, this.now() + lease.leaseDurationMs);
  }

  progress(lease: MemoryLease, value: unknown): void {
    lease.row.progressJson = encodeJson(value, 'progress', lease.row.id);
  }

  /** `settle` with `complete`, without building a settlement (every job passes here). */
  complete(lease: MemoryLease, result: unknown): void {
    const row = lease.row;
    // Encode before changing anything: a result that is not JSON leaves the lease open.
    const resultJson = encodeJson(result, 'result', row.id);
    const now = this.now();
    this.expiry.untrack(lease);
    row.lease = null;
    lease.end();
    row.resultJson = resultJson;
    row.error = undefined; // a completed job carries no error (see JobRecord.error)
    this.finish(row, 'completed', now);
  }

  settle(lease: MemoryLease, settlement: Settlement): void {
    const row = lease.row;
    const now = this.now();
    this.expiry.untrack(lease);
    row.lease = null;
    lease.end();
    switch (settlement.kind) {
      case 'fail':
        row.error = { ...settlement.error };
        this.finish(row, 'failed', now);
        return;
      case 'cancelled':
        this.finish(row, 'cancelled', now);
        return;
      case 'retry':
        row.error = { ...settlement.error };
        this.makeRunnableAt(row, settlement.at.getTime(), now);
        return;
      case 'release':
        // Giving the job back does not consume the attempt.
        row.attempt = Math.max(0, row.attempt - 1);
        this.makeReady(row);
        return;
      case 'defer':
        row.attempt = Math.max(0, row.attempt - 1);
        this.makeRunnableAt(row, settlement.at.getTime(), now);
        return;
    }
  }

  private expire(lease: MemoryLease): void {
    const row = lease.row;
    if (row.lease === lease) {
      row.lease = null;
      if (row.cancelRequested) {
        // Cancel was requested and the holder vanished: the job must not run again.
        this.finish(row, 'cancelled', this.now());
      } else {
        // The attempt stays consumed, so a job that keeps killing workers runs out of attempts.
        row.redelivered = true;
        this.makeReady(row);
      }
    }
    lease.lose(new LeaseExpiredError());
  }

  // --- management -----------------------------------------------------------

  cancel(id: string): CancelOutcome {
    const row = this.table.get(id);
    if (row === undefined) return 'not_found';
    switch (row.state) {
      case 'completed':
      case 'failed':
      case 'cancelled':
        return 'finished';
      case 'running':
        row.cancelRequested = true;
        row.lease?.abort(new JobCancelledError());
        return 'requested';
      default:
        this.unqueue(row);
        this.finish(row, 'cancelled', this.now());
        return 'cancelled';
    }
  }

  /** failed/cancelled → pending with a fresh attempt budget; null when not retryable. */
  retry(id: string): JobRecord | null {
    const row = this.table.get(id);
    if (row === undefined || (row.state !== 'failed' && row.state !== 'cancelled')) return null;
    if (row.uniqueKey !== undefined) {
      const holder = this.table.uniqueHolder(row.task, row.uniqueKey);
      if (holder !== undefined && holder !== row) return null;
    }
    row.attempt = 0;
    row.error = undefined;
    row.resultJson = undefined;
    row.progressJson = undefined;
    row.finishedAt = undefined;
    row.startedAt = undefined;
    row.cancelRequested = false;
    row.redelivered = false;
    row.runAt = this.now();
    this.makeReady(row);
    return toJobRecord(row, displayPayload(row, this.copier));
  }

  /** Deletes a job wherever it is; a running job's lease is lost. */
  remove(id: string): boolean {
    const row = this.table.get(id);
    if (row === undefined) return false;
    this.removeRow(row);
    return true;
  }

  /** Resumes a queue and delivers its jobs. */
  resumeQueue(queue: string): void {
    this.ready.resume(queue);
    this.delivery.kick();
  }

  // --- internals ------------------------------------------------------------

  /** A private copy of the job's payload; throws when it is not JSON or over the size limit. */
  private copyPayload(job: NewJob): unknown {
    const copier = this.copier;
    let payload: unknown;
    try {
      payload = copier.copy(job.payload);
    } catch (error) {
      throw new AdapterError('memory', `the payload of job ${job.id} is not JSON-serializable`, {
        cause: error,
      });
    }
    const limit = this.settings.maxPayloadBytes;
    // The copy bounds the JSON size from above: count exact bytes only when the bound is over the limit.
    if (copier.maxBytes > limit) {
      const bytes = Buffer.byteLength(JSON.stringify(payload), 'utf8');
      if (bytes > limit) throw new PayloadTooLargeError(bytes, limit);
    }
    return payload;
  }

  private becameDue(row: JobRow): void {
    this.makeReady(row);
  }

  /** pending + in its queue's ready heap + a delivery pass soon. */
  private makeReady(row: JobRow): void {
    this.table.setState(row, 'pending');
    this.ready.add(row);
    this.delivery.kick();
  }

  private makeRunnableAt(row: JobRow, at: number, now: number): void {
    row.runAt = at;
    if (at > now) {
      this.table.setState(row, 'retrying');
      this.delayed.add(row);
    } else {
      this.makeReady(row);
    }
  }

  private finish(row: JobRow, state: JobState, now: number): void {
    row.finishedAt = now;
    this.table.setState(row, state);
    if (this.retention.noteFinished(row)) this.scheduleSweep();
  }

  /** Takes a row out of whichever heap holds it. */
  private unqueue(row: JobRow): void {
    if (!this.ready.remove(row)) this.delayed.remove(row);
  }

  private removeRow(row: JobRow): void {
    if (row.deleted) return;
    this.unqueue(row);
    const lease = row.lease;
    if (lease instanceof MemoryLease) {
      row.lease = null;
      this.expiry.untrack(lease);
      lease.lose(new JobCancelledError('job was removed'));
    }
    this.table.delete(row);
  }

  /** Arms the retention sweep while finished jobs wait for it (an idle store keeps no timer). */
  private scheduleSweep(): void {
    if (this.starts === 0 || this.sweepTimer !== undefined || !this.retention.hasEntries) return;
    this.sweepTimer = this.clock.setTimeout(() => {
      this.sweepTimer = undefined;
      this.sweepRetention();
      this.scheduleSweep();
    }, this.settings.sweepIntervalMs);
  }

  /** Removes finished jobs whose retention ran out. */
  private sweepRetention(): void {
    for (const row of this.retention.expired(this.now())) this.removeRow(row);
  }
}
