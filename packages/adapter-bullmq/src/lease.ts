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
import { FIELD } from './keys.js';

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
      this.context.scripts.heartbeat(
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
    await wrapErrors('progress', () => this.bullJob.updateProgress(value as object));
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
    const now = Date.now();
    const delay = at.getTime() - now;
    const fieldsToUpdate = {
      [FIELD.error]: JSON.stringify(error),
      [FIELD.runAt]: String(at.getTime()),
      failedReason: error.message,
      // The next delivery is not a redelivery: this one ended properly.
      stc: '0',
    };
    const backend = this.backend;
    await this.move('retry', () =>
      delay > 0
        ? backend.moveToDelayed(this.job.id, now, delay, this.token, { fieldsToUpdate, fetchNext: false })
        : backend.retryJob(this.job.id, false, this.token, { fieldsToUpdate }),
    );
  }

  async fail(error: SerializedError): Promise<void> {
    if (!this.begin()) return;
    const fields: Record<string, string> = { [FIELD.error]: JSON.stringify(error) };
    if (error.stack) fields.stacktrace = JSON.stringify([error.stack]);
    await this.move('fail', () =>
      this.backend.moveToFailed(
        this.bullJob,
        error.message,
        this.bullJob.opts.removeOnFail ?? false,
        this.token,
        false,
        fields,
      ),
    );
  }

  async cancelled(): Promise<void> {
    if (!this.begin()) return;
    const fields = { [FIELD.state]: 'cancelled', [FIELD.cancel]: '0' };
    await this.move('cancel', () =>
      this.backend.moveToFailed(
        this.bullJob,
        'job was cancelled',
        this.bullJob.opts.removeOnFail ?? false,
        this.token,
        false,
        fields,
      ),
    );
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
   * Runs a move the lease makes itself. A lost lease makes it a no-op (another delivery
   * owns the job now). Either way the processor is told the job is no longer its own,
   * so BullMQ stops renewing the lock: after a failed move the job is redelivered.
   */
  private async move(what: string, operation: () => Promise<unknown>): Promise<void> {
    try {
      await operation();
    } catch (error) {
      if (isLeaseLostError(error)) {
        this.context.logger.debug(
          { jobId: this.job.id, err: error },
          `bullmq: ${what} after the lease was lost had no effect`,
        );
        return;
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
