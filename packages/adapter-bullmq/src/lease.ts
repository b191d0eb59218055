/**
 * One delivery of a BullMQ job, as a Switchyard `Lease`. The job is BullMQ-active
 * under the worker's lock (renewed by BullMQ's lock manager while the process lives).
 * Settling: `complete` hands the result back to BullMQ's processor, which moves the
 * job and fetches the next one in the same round trip (the hot path); `retry`,
 * `fail`, `cancelled` and `release` move the job themselves, storing the adapter's
 * fields in the same script, then tell the processor the job is already moved.
 */
import {
  AdapterError,
  JobCancelledError,
  type JobRecord,
  type Lease,
  LeaseExpiredError,
  type SerializedError,
} from '@switchyard/core';
import type { Job, RedisQueueBackend } from 'bullmq';
import type { AdapterContext } from './context.js';
import { ADAPTER_NAME, isLeaseLostError, toAdapterError, wrapErrors } from './errors.js';
import { CANCELLED_REASON, CANCELLED_STATE, cancelledKey, FIELD, failedKey, retriedKey } from './keys.js';
import type { RedisClient } from './options.js';
import type { Scripts } from './scripts.js';

/** What the processor does once the lease is settled. */
export type Settlement = { kind: 'complete'; result: unknown } | { kind: 'moved' };

/** A Switchyard lease over one active BullMQ job. */
export class BullmqLease implements Lease {
  /** Resolves once core settled the lease (and, except for `complete`, once the job moved). */
  readonly settled: Promise<Settlement>;
  /** Created when someone reads `signal` (most jobs end before anyone does). */
  private controller: AbortController | undefined = undefined;
  private abortReason: Error | undefined = undefined;
  private settling = false;
  private settle!: (settlement: Settlement) => void;
  /** End `complete()` once BullMQ stored the completion; set by `complete`. */
  private storedResolve: (() => void) | undefined = undefined;
  private storedReject: ((error: unknown) => void) | undefined = undefined;

  constructor(
    private readonly context: AdapterContext,
    /** Scripts on the worker's connection (it rides outages); `release` uses the fail-fast one. */
    private readonly scripts: Scripts,
    readonly bullJob: Job,
    private readonly backend: RedisQueueBackend,
    private readonly token: string,
    readonly job: JobRecord,
    readonly redelivered: boolean,
    private readonly leaseDurationMs: number,
    readonly malformed?: Error,
  ) {
    this.settled = new Promise<Settlement>((resolve) => {
      this.settle = resolve;
    });
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.abortReason !== undefined) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  get aborted(): boolean {
    return this.abortReason !== undefined;
  }

  /** Called by the worker once BullMQ stored the completion (or found the lease lost). */
  completionStored(error?: unknown): void {
    const resolve = this.storedResolve;
    const reject = this.storedReject;
    if (!resolve || !reject) return;
    this.storedResolve = undefined;
    this.storedReject = undefined;
    if (error === undefined) resolve();
    else reject(toAdapterError('complete', error));
  }

  private abort(reason: Error): void {
    if (this.abortReason !== undefined) return;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }

  async heartbeat(): Promise<void> {
    if (this.settling) return;
    const reply = (await wrapErrors('heartbeat', () =>
      this.scripts.heartbeat(
        this.context.prefix,
        this.job.queue,
        this.job.id,
        this.token,
        this.leaseDurationMs,
      ),
    )) as [number, string];
    if (reply[0] !== 1) this.abort(new LeaseExpiredError());
    else if (reply[1] === '1') this.abort(new JobCancelledError());
  }

  async progress(value: unknown): Promise<void> {
    if (this.settling) return;
    // Fenced by the lock token (BullMQ's own updateProgress is not): a lost lease writes nothing.
    const stored = await wrapErrors('progress', () =>
      this.scripts.progress(
        this.context.prefix,
        this.job.queue,
        this.job.id,
        this.token,
        JSON.stringify(value),
      ),
    );
    if (stored !== 1) this.abort(new LeaseExpiredError());
  }

  complete(result: unknown): Promise<void> {
    if (!this.begin()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.storedResolve = resolve;
      this.storedReject = reject;
      this.settle({ kind: 'complete', result });
    });
  }

  async retry(at: Date, error: SerializedError): Promise<void> {
    if (!this.begin()) return;
    // Core's clock, as for every time the adapter writes: BullMQ scores the job at now + delay = `at`.
    const now = this.context.clock.now();
    const delay = at.getTime() - now;
    const fieldsToUpdate = {
      [FIELD.error]: JSON.stringify(error),
      [FIELD.runAt]: String(at.getTime()),
      // Both moves below add one to BullMQ's `atm`; a tool's retry of a finished job does not match it.
      [FIELD.attemptsMade]: String(this.bullJob.attemptsMade + 1),
      failedReason: error.message,
      // The next delivery is not a redelivery: this one ended properly.
      stc: '0',
    };
    const backend = this.backend;
    // Back in `delayed` after a delivery = retrying: the marker lets counts tell it from scheduled.
    if (delay > 0) this.mark(retriedKey(this.context.prefix, this.job.queue), true);
    await this.move('retry', () =>
      delay > 0
        ? backend.moveToDelayed(this.job.id, now, delay, this.token, { fieldsToUpdate, fetchNext: false })
        : backend.retryJob(this.job.id, false, this.token, { fieldsToUpdate }),
    );
  }

  /**
   * Back to waiting until `at` without consuming the attempt (a throttle refused the start):
   * BullMQ's own move to `delayed`, told to skip its attempt count, with `ats` put back.
   */
  async defer(at: Date): Promise<void> {
    if (!this.begin()) return;
    const now = this.context.clock.now();
    const delay = at.getTime() - now;
    const { prefix } = this.context;
    if (delay <= 0) {
      await this.move('defer', () =>
        this.context.scripts.releaseJob(prefix, this.job.queue, this.job.id, this.token),
      );
      return;
    }
    const fieldsToUpdate = {
      ats: String(Math.max(0, this.job.attempt - 1)),
      [FIELD.runAt]: String(at.getTime()),
      stc: '0',
    };
    this.mark(retriedKey(prefix, this.job.queue), true);
    await this.move('defer', () =>
      this.backend.moveToDelayed(this.job.id, now, delay, this.token, {
        fieldsToUpdate,
        fetchNext: false,
        skipAttempt: true,
      }),
    );
  }

  async fail(error: SerializedError): Promise<void> {
    if (!this.begin()) return;
    // An empty state clears a cancel mark left by an earlier life (cancelled, then put back by a tool).
    const fields: Record<string, string> = { [FIELD.error]: JSON.stringify(error), [FIELD.state]: '' };
    if (error.stack) fields.stacktrace = JSON.stringify([error.stack]);
    // The marker lets a search walk failed jobs newest first without passing every other job.
    const marker = failedKey(this.context.prefix, this.job.queue);
    this.mark(marker, true);
    this.mark(cancelledKey(this.context.prefix, this.job.queue), false);
    const moved = await this.move('fail', () =>
      this.backend.moveToFailed(
        this.bullJob,
        error.message,
        this.bullJob.opts.removeOnFail ?? false,
        this.token,
        false,
        fields,
      ),
    );
    // Lost lease: the job is someone else's now.
    if (!moved) this.mark(marker, false);
  }

  async cancelled(): Promise<void> {
    if (!this.begin()) return;
    const fields = { [FIELD.state]: CANCELLED_STATE, [FIELD.cancel]: '0' };
    const marker = cancelledKey(this.context.prefix, this.job.queue);
    // The marker lets counts tell cancelled from failed jobs in BullMQ's failed set.
    this.mark(marker, true);
    this.mark(failedKey(this.context.prefix, this.job.queue), false);
    const moved = await this.move('cancel', () =>
      this.backend.moveToFailed(
        this.bullJob,
        CANCELLED_REASON,
        this.bullJob.opts.removeOnFail ?? false,
        this.token,
        false,
        fields,
      ),
    );
    // Lost lease: the job is someone else's now and may still fail for real.
    if (!moved) this.mark(marker, false);
  }

  async release(): Promise<void> {
    if (!this.begin()) return;
    await this.move('release', () =>
      this.context.scripts.releaseJob(this.context.prefix, this.job.queue, this.job.id, this.token),
    );
  }

  /** Claims the right to settle; false when already settled (the call then has no effect). */
  private begin(): boolean {
    if (this.settling) return false;
    this.settling = true;
    return true;
  }

  /**
   * Adds (or removes) this job in a state marker (`keys.ts`), written on the connection the move then
   * uses, so it is sent just before the move, without a round trip of its own. A failed write
   * is logged: it only skews the scheduled/retrying or failed/cancelled split of the counts
   * (or leaves a failed job out of a state-filtered search walking the marker).
   */
  private mark(key: string, add: boolean): void {
    const id = this.job.id;
    void this.backend.client
      .then((bullClient) => {
        // BullMQ's Redis backend hands out the ioredis client it runs its scripts on.
        const client = bullClient as unknown as RedisClient;
        return add ? client.zadd(key, 0, id) : client.zrem(key, id);
      })
      .catch((error: unknown) =>
        this.context.logger.warn({ err: error, jobId: id }, 'bullmq: could not update a job state marker'),
      );
  }

  /**
   * Runs a move the lease makes itself (true when it took effect). A lost lease makes it a no-op (another delivery
   * owns the job now). Either way the processor is told the job is no longer its own,
   * so BullMQ stops renewing the lock: after a failed move the job is redelivered.
   */
  private async move(what: string, operation: () => Promise<unknown>): Promise<boolean> {
    try {
      await operation();
      return true;
    } catch (error) {
      if (isLeaseLostError(error)) {
        this.context.logger.debug(
          { jobId: this.job.id, err: error },
          `bullmq: ${what} after the lease was lost had no effect`,
        );
        return false;
      }
      throw new AdapterError(
        ADAPTER_NAME,
        `${what} failed: ${error instanceof Error ? error.message : String(error)}`,
        {
          cause: error,
        },
      );
    } finally {
      this.settle({ kind: 'moved' });
    }
  }
}
