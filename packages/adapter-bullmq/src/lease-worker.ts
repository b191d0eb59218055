/**
 * A BullMQ Worker that hands jobs out as leases. It keeps BullMQ's main loop (blocking
 * fetch, fetch-next-on-complete, lock renewal, stalled checks) and overrides only two
 * hooks: job decoding (a corrupt `data` must become a malformed lease, not an endless
 * worker error) and completion (so `lease.complete()` resolves once BullMQ stored it).
 */
import { isNotConnectionError, Job, type JobJson, type Processor, Worker, type WorkerOptions } from 'bullmq';
import { isLeaseLostError } from './errors.js';

/** What the consumer learns from the worker. */
export interface LeaseWorkerHooks {
  /** BullMQ stored a completion (`error` undefined), found the lease lost (`'lost'`), or failed for good. */
  completionStored(job: Job, error?: unknown): void;
}

/** Jobs whose `data` could not even be parsed, with the parse error. */
export const undecodableJobs = new WeakMap<Job, unknown>();

/** BullMQ Worker with Switchyard lease hooks. */
export class LeaseWorker extends Worker {
  constructor(
    queue: string,
    processor: Processor,
    options: WorkerOptions,
    private readonly hooks: LeaseWorkerHooks,
  ) {
    super(queue, processor, options);
  }

  protected override createJob(data: JobJson, jobId?: string): Job {
    try {
      return super.createJob(data, jobId as string);
    } catch (error) {
      // Corrupt JSON in `data`: deliver the job with empty data so core can fail it.
      const job = super.createJob({ ...data, data: 'null' }, jobId as string);
      undecodableJobs.set(job, error);
      return job;
    }
  }

  protected override async handleCompleted(
    result: unknown,
    job: Job,
    token: string,
    fetchNextCallback?: () => boolean,
    span?: Parameters<Worker['handleCompleted']>[4],
  ): Promise<Job> {
    try {
      const next = await super.handleCompleted(result, job, token, fetchNextCallback, span);
      this.hooks.completionStored(job);
      return next;
    } catch (error) {
      if (isLeaseLostError(error)) {
        // Another delivery owns the job now: the completion has no effect, and nothing is fetched.
        this.hooks.completionStored(job, 'lost');
        return undefined as unknown as Job;
      }
      // Connection errors are retried by BullMQ (which calls this again); anything else is final.
      if (isNotConnectionError(error as Error)) this.hooks.completionStored(job, error);
      throw error;
    }
  }
}

export { Job };
