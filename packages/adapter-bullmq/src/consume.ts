/**
 * `consume`: one LeaseWorker per queue. BullMQ concurrency = the consume call's
 * concurrency, lock = lease; with several queues a shared slot counter keeps the
 * number of unsettled leases under the cap (a job fetched beyond it waits, still
 * locked, for a slot). Core owns the attempt budget, so BullMQ never fails a job
 * for stalling (`maxStalledCount` is effectively unlimited) and never retries on its own.
 */
import type { ConsumeOptions, Consumer, Lease } from '@switchyard/core';
import { DelayedError, type Job, type RedisQueueBackend } from 'bullmq';
import type { BatchReply, Completion, CompletionReply } from './completion-batches.js';
import { createRidingClient, disconnectNow, endReconnectBackoff } from './connections.js';
import type { AdapterContext } from './context.js';
import { deliveredRecord } from './delivered-job.js';
import { knownQueuesKey, queueKey } from './keys.js';
import { BullmqLease } from './lease.js';
import { LeaseWorker, type LeaseWorkerHooks } from './lease-worker.js';
import { RetentionTrims } from './retention-trims.js';
import { Scripts } from './scripts.js';
import { mayBePutBack } from './tool-actions.js';

/** BullMQ fails a job that stalled more than this; core enforces the real attempt budget first. */
const UNLIMITED_STALLS = 1_000_000_000;

/** Completed jobs past the retention that one removal takes at most (BullMQ's own limit per completion). */
const RETENTION_REMOVALS_PER_BATCH = 1000;

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

  /**
   * Extends the lock of a job that waited for a slot; false when it was lost meanwhile, or cannot be
   * told (the job then comes back once its lease expires).
   */
  const stillHeld = async (scripts: Scripts, job: Job, token: string): Promise<boolean> => {
    try {
      const reply = (await scripts.heartbeat(
        context.prefix,
        job.queueName,
        job.id ?? '',
        token,
        options.leaseDurationMs,
      )) as [number, string];
      return reply[0] === 1;
    } catch (error) {
      context.outages.error(`worker:${job.queueName}`, error);
      return false;
    }
  };

  /**
   * Puts back a job fetched while stopping, untouched. On the command connection, which fails
   * fast: when Redis is unreachable the job stays locked and comes back once its lease expires.
   */
  const putBack = async (job: Job, token: string): Promise<void> => {
    try {
      await context.scripts.releaseJob(context.prefix, job.queueName, job.id ?? '', token);
    } catch (error) {
      context.outages.error(`worker:${job.queueName}`, error);
    }
  };

  /**
   * The retention of batched completions (see `retention-trims.ts`). The completions are stored
   * already: a failure is logged, and the next batch that finds old jobs asks again.
   */
  const retentionTrims = new RetentionTrims(async (queue, ageSec) => {
    try {
      await (await context.queue(queue)).clean(ageSec * 1000, RETENTION_REMOVALS_PER_BATCH, 'completed');
    } catch (error) {
      context.outages.error(`worker:${queue}`, error);
    }
  });

  const hooksFor = (queue: string, scripts: Scripts): LeaseWorkerHooks => ({
    completionStored(job: Job, error?: unknown): void {
      const lease = (job as LeasedJob)[LEASE];
      if (!lease) return;
      lease.completionStored(error === 'lost' ? undefined : error);
    },
    giveBack: putBack,
    // BullMQ's marker for "jobs are waiting": a member '0' scored 0, as its add scripts set it.
    passOnWakeUp: () =>
      context.client.zadd(queueKey(context.prefix, queue, 'marker'), 0, '0').then(
        () => undefined,
        (error: unknown) => context.outages.error(`worker:${queue}`, error),
      ),
    // On the worker's connection, as BullMQ's own completions: it rides outages.
    async completeBatch(completions: Completion[]): Promise<BatchReply> {
      const finishedOn = Date.now();
      const args: string[] = [];
      for (const { id, token, returnValue, fetchNext, keepAgeSec } of completions)
        args.push(id, token, returnValue, fetchNext ? '1' : '0', keepAgeSec?.toString() ?? '');
      const [replies, trimAgeSec] = (await scripts.completeBatch(
        context.prefix,
        queue,
        finishedOn,
        options.leaseDurationMs,
        args,
      )) as [CompletionReply[], number];
      if (trimAgeSec >= 0) retentionTrims.request(queue, trimAgeSec);
      return { finishedOn, replies };
    },
  });

  // A consumed queue is a known one: reads then find jobs other producers put there.
  context.client
    .sadd(knownQueuesKey(context.prefix), ...queues)
    .catch((error: unknown) =>
      context.logger.debug({ err: error }, 'bullmq: could not record the consumed queues'),
    );

  const workers = queues.map((queue) => {
    const connection = createRidingClient(context.client);
    context.outages.watch(connection, `worker:${queue}`);
    // The lease's own scripts (heartbeat, checks) ride outages on the worker's connection too.
    const scripts = new Scripts(connection, context.prefix);
    let worker: LeaseWorker;
    /** Hands `job` to core as a lease; resolves with the result to complete, or throws DelayedError once moved. */
    const lease = (job: Job, token: string): Promise<unknown> => {
      const { record, malformed } = deliveredRecord(job, queue, context.foreign, context.clock.now());
      const held = new BullmqLease(
        context,
        scripts,
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
    /**
     * A job that ran before may have been finished and put back by a BullMQ tool (bull-board's
     * retry): it then starts a fresh attempt budget (one script call, only for jobs with `atm > 0`).
     */
    const deliver = (job: Job, token: string): Promise<unknown> => {
      if (!mayBePutBack(job.attemptsMade)) return lease(job, token);
      return scripts.checkPutBack(context.prefix, queue, job.id ?? '', token).then(
        (fresh) => {
          if (fresh) {
            job.attemptsStarted = 1;
            job.attemptsMade = 0;
            job.stalledCounter = 0;
          }
          return lease(job, token);
        },
        (error: unknown) => {
          // Left locked: the lease expires and the job comes back, checked again then.
          context.outages.error(`worker:${queue}`, error);
          throw new DelayedError();
        },
      );
    };
    /** With several queues, a job waits for a shared slot first; its lock may expire meanwhile. */
    const leaseInSlot = async (job: Job, token: string, slotsOfConsumer: Slots): Promise<unknown> => {
      const wait = slotsOfConsumer.acquire();
      if (wait) await wait;
      try {
        if (stopped) return await giveBack(job, token);
        if (wait && !(await stillHeld(scripts, job, token))) {
          // The lock expired while the job waited for a slot: another delivery owns it now.
          throw new DelayedError();
        }
        return await deliver(job, token);
      } finally {
        slotsOfConsumer.release();
      }
    };
    /**
     * Fetched while stopping (a completion that fetched the next job as the consumer stopped):
     * given back untouched, no onLease after stop() (never a BullMQ failure: the processor
     * throws only DelayedError).
     */
    const giveBack = async (job: Job, token: string): Promise<never> => {
      await putBack(job, token);
      throw new DelayedError();
    };
    const processor = (job: Job, token?: string): Promise<unknown> => {
      const jobToken = token ?? '';
      if (slots) return leaseInSlot(job, jobToken, slots);
      if (stopped) return giveBack(job, jobToken);
      return deliver(job, jobToken);
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
      hooksFor(queue, scripts),
    );
    // Connection errors are part of an outage (logged once by the outage log); others are warnings.
    worker.on('error', (error) => context.outages.error(`worker:${queue}`, error));
    return { worker, connection };
  });

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    // Stop fetching without waiting for running jobs: their leases stay valid. Once the fetches
    // under way have returned, no job of these queues turns active because of this consumer.
    await Promise.all(workers.map(({ worker }) => worker.pause(true)));
    await Promise.all(workers.map(({ worker }) => worker.fetchesReturned()));
    await retentionTrims.settled();
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
      await retentionTrims.settled();
      await Promise.all(
        workers.map(async ({ worker, connection }) => {
          // BullMQ's close waits for its blocking connection to end, which never happens while the
          // connection is in a reconnect backoff. One whose setup failed (BullMQ made it during an
          // outage) has no backoff to end, and BullMQ's close copes with it.
          const blocking = await (worker.backend as RedisQueueBackend).blockingClient?.catch(() => undefined);
          if (blocking) endReconnectBackoff(blocking);
          await worker.close();
          disconnectNow(connection);
        }),
      );
    },
  };
}
