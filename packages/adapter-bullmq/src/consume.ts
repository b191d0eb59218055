/**
 * `consume`: one LeaseWorker per queue. BullMQ concurrency = the consume call's
 * concurrency, lock = lease; with several queues a shared slot counter keeps the
 * number of unsettled leases under the cap (a job fetched beyond it waits, still
 * locked, for a slot). Core owns the attempt budget, so BullMQ never fails a job
 * for stalling (`maxStalledCount` is effectively unlimited) and never retries on its own.
 */
import type { ConsumeOptions, Consumer, JobRecord, Lease } from '@switchyard/core';
import { MalformedJobError } from '@switchyard/core';
import { DelayedError, type Job, type RedisQueueBackend } from 'bullmq';
import { checkEnvelope, envelopeFields, type JobEnvelope } from './codec.js';
import type { AdapterContext } from './context.js';
import { BullmqLease } from './lease.js';
import { LeaseWorker, parseErrorOf } from './lease-worker.js';
import { duplicateClient } from './options.js';

/** BullMQ fails a job that stalled more than this; core enforces the real attempt budget first. */
const UNLIMITED_STALLS = 1_000_000_000;

/** Counts free slots shared by a consumer's workers. */
class Slots {
  private free: number;
  private readonly waiters: Array<() => void> = [];

  constructor(capacity: number) {
    this.free = capacity;
  }

  acquire(): Promise<void> | undefined {
    if (this.free > 0) {
      this.free--;
      return undefined;
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.free++;
  }
}

/** Reads a delivered BullMQ job as a running JobRecord; `malformed` when it cannot be decoded. */
export function runningRecord(job: Job, queue: string): { record: JobRecord; malformed?: Error } {
  const id = job.id ?? '';
  let envelope: JobEnvelope | undefined;
  let malformed: Error | undefined;
  const parseError = parseErrorOf(job);
  if (parseError !== undefined) {
    malformed = new MalformedJobError(`bullmq: job ${id} has data that is not valid JSON`, {
      cause: parseError,
    });
  } else {
    try {
      envelope = checkEnvelope(id, job.data);
    } catch (error) {
      malformed = error as Error;
    }
  }
  // The envelope's fields object becomes the record (no copy: this runs once per delivery).
  const record = envelopeFields(envelope, job.timestamp, job.priority) as JobRecord;
  record.id = id;
  record.task = job.name;
  record.queue = queue;
  record.state = 'running';
  record.attempt = job.attemptsStarted;
  record.startedAt = new Date(job.processedOn ?? Date.now());
  return malformed ? { record, malformed } : { record };
}

/**
 * The lease of a delivered job, kept on the job itself: a WeakMap entry per job costs
 * about a microsecond plus GC work on the hot path.
 */
const LEASE = Symbol('switchyard.lease');
type LeasedJob = Job & { [LEASE]?: BullmqLease };

/** A running consumer; `close` is the adapter's, after `stop`. */
export interface BullmqConsumer extends Consumer {
  /** Stops, gives back every unsettled lease, closes the workers and their connections. */
  close(): Promise<void>;
}

/** Starts consuming `queues`; see `QueueAdapter.consume`. */
export function startConsumer(
  context: AdapterContext,
  queues: string[],
  options: ConsumeOptions,
  onLease: (lease: Lease) => Promise<void>,
): BullmqConsumer {
  const unsettled = new Set<BullmqLease>();
  const slots = queues.length > 1 ? new Slots(options.concurrency) : undefined;
  let stopped = false;
  let idle: (() => void) | undefined;

  /** Extends the lock of a job that waited for a slot; false when it was lost meanwhile. */
  const stillHeld = async (job: Job, token: string): Promise<boolean> => {
    const reply = (await context.scripts.heartbeat(
      context.prefix,
      job.queueName,
      job.id ?? '',
      token,
      options.leaseDurationMs,
    )) as [number, string];
    return reply[0] === 1;
  };

  const hooks = {
    completionStored(job: Job, error?: unknown): void {
      const lease = (job as LeasedJob)[LEASE];
      if (!lease) return;
      lease.completionStored(error === 'lost' ? undefined : error);
    },
  };

  const workers = queues.map((queue) => {
    const connection = duplicateClient(context.client);
    let worker: LeaseWorker;
    /** Hands `job` to core as a lease; resolves with the result to complete, or throws DelayedError once moved. */
    const lease = (job: Job, token: string): Promise<unknown> => {
      const { record, malformed } = runningRecord(job, queue);
      const held = new BullmqLease(
        context,
        job,
        worker.backend as RedisQueueBackend,
        token,
        record,
        job.stalledCounter > 0,
        options.leaseDurationMs,
        malformed,
      );
      (job as LeasedJob)[LEASE] = held;
      unsettled.add(held);
      // onLease never rejects, and may return before settling (the lease stays valid until it
      // expires without heartbeats), so its promise is not what frees the slot: settlement is.
      void onLease(held);
      return held.settled.then((settlement) => {
        unsettled.delete(held);
        if (unsettled.size === 0) idle?.();
        if (settlement.kind === 'complete') return settlement.result;
        // The lease already moved the job: BullMQ only fetches the next one.
        throw new DelayedError();
      });
    };
    /** With several queues, a job waits for a shared slot first; its lock may expire meanwhile. */
    const leaseInSlot = async (job: Job, token: string, slotsOfConsumer: Slots): Promise<unknown> => {
      const wait = slotsOfConsumer.acquire();
      if (wait) await wait;
      try {
        if (stopped) return await giveBack(job, token);
        if (wait && !(await stillHeld(job, token))) {
          // The lock expired while the job waited for a slot: another delivery owns it now.
          throw new DelayedError();
        }
        return await lease(job, token);
      } finally {
        slotsOfConsumer.release();
      }
    };
    /** Fetched while stopping: give it back untouched, no onLease after stop(). */
    const giveBack = async (job: Job, token: string): Promise<never> => {
      await context.scripts.releaseJob(context.prefix, queue, job.id ?? '', token);
      throw new DelayedError();
    };
    const processor = (job: Job, token?: string): Promise<unknown> => {
      const jobToken = token ?? '';
      if (slots) return leaseInSlot(job, jobToken, slots);
      if (stopped) return giveBack(job, jobToken);
      return lease(job, jobToken);
    };
    worker = new LeaseWorker(
      queue,
      processor,
      {
        connection,
        prefix: context.prefix,
        concurrency: options.concurrency,
        lockDuration: options.leaseDurationMs,
        stalledInterval:
          context.options.stalledIntervalMs ?? Math.max(50, Math.floor(options.leaseDurationMs / 2)),
        maxStalledCount: UNLIMITED_STALLS,
        // The lease lasts only as long as core heartbeats it (lease.heartbeat extends the lock),
        // so an abandoned or hung lease expires like on every other backend.
        skipLockRenewal: true,
        runRetryDelay: context.options.retryDelayMs,
        autorun: true,
      },
      hooks,
    );
    worker.on('error', (error) => context.logger.warn({ err: error, queue }, 'bullmq: worker error'));
    return { worker, connection };
  });

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    // Stop fetching without waiting for running jobs: their leases stay valid.
    await Promise.all(workers.map(({ worker }) => worker.pause(true)));
  };

  return {
    stop,
    async close(): Promise<void> {
      await stop();
      await Promise.all(
        [...unsettled].map((lease) =>
          lease
            .release()
            .catch((error: unknown) =>
              context.logger.warn({ err: error }, 'bullmq: release on close failed'),
            ),
        ),
      );
      if (unsettled.size > 0) await new Promise<void>((resolve) => (idle = resolve));
      await Promise.all(
        workers.map(async ({ worker, connection }) => {
          await worker.close();
          connection.disconnect();
        }),
      );
    },
  };
}
