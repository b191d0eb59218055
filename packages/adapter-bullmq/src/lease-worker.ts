/**
 * A BullMQ Worker that hands jobs out as leases. It keeps BullMQ's main loop (blocking
 * fetch, lock renewal, stalled checks) and overrides three hooks: job decoding (a corrupt
 * `data` must become a malformed lease, not an endless worker error), fetching (nothing
 * after a pause), and completion: completions go to Redis in batches that also fetch the
 * next jobs (`completion-batches.ts`), and each resolves `lease.complete()` once stored.
 */
import {
  isNotConnectionError,
  Job,
  type JobJson,
  type Processor,
  raw2NextJobData,
  Worker,
  type WorkerOptions,
} from 'bullmq';
import { type BatchReply, type Completion, CompletionBatches } from './completion-batches.js';
import { isLeaseLostError } from './errors.js';

/** What the consumer learns from the worker. */
export interface LeaseWorkerHooks {
  /** BullMQ stored a completion (`error` undefined), found the lease lost (`'lost'`), or failed for good. */
  completionStored(job: Job, error?: unknown): void;
  /** Puts back, untouched, a job a fetch took after the worker was paused. */
  giveBack(job: Job, token: string): Promise<void>;
  /** Sets the queue's wake-up marker again, for the workers still running (never rejects). */
  passOnWakeUp(): Promise<void>;
  /** Completes jobs of the worker's queue and fetches the next ones, in one call (`lua/complete-batch.ts`). */
  completeBatch(completions: Completion[]): Promise<BatchReply>;
}

/**
 * Marks a job whose `data` could not even be parsed, with the parse error. A property
 * rather than a WeakMap: per-job WeakMap entries cost GC work on the hot path.
 */
const PARSE_ERROR = Symbol('switchyard.parseError');

/** The parse error of a job whose `data` is not JSON, else undefined. */
export function parseErrorOf(job: Job): unknown {
  return (job as Job & { [PARSE_ERROR]?: unknown })[PARSE_ERROR];
}

/** BullMQ Worker with Switchyard lease hooks. */
export class LeaseWorker extends Worker {
  /** Fetches under way; a paused worker waits for them (`fetchesReturned`). */
  private readonly fetches = new Set<Promise<unknown>>();
  private readonly completions: CompletionBatches;
  /** The worker's options leave completions on BullMQ's plain path (fixed once constructed). */
  private readonly plainCompletions: boolean;

  constructor(
    queue: string,
    processor: Processor,
    options: WorkerOptions,
    private readonly hooks: LeaseWorkerHooks,
  ) {
    super(queue, processor, options);
    this.completions = new CompletionBatches((completions) => hooks.completeBatch(completions));
    this.plainCompletions =
      this.opts.removeOnComplete === undefined &&
      this.opts.metrics === undefined &&
      this.opts.limiter === undefined &&
      this.opts.name === undefined;
  }

  protected override createJob(data: JobJson, jobId?: string): Job {
    try {
      return super.createJob(data, jobId as string);
    } catch (error) {
      // Corrupt JSON in `data`: deliver the job with empty data so core can fail it.
      const job: Job & { [PARSE_ERROR]?: unknown } = super.createJob(
        { ...data, data: 'null' },
        jobId as string,
      );
      job[PARSE_ERROR] = error;
      return job;
    }
  }

  /**
   * BullMQ fetches after its blocking wait without looking at `paused` again, so a worker paused
   * during the wait would take the job that woke it, and a job could turn active after the
   * consumer stopped. Paused (or closing), the worker takes nothing, and sets the wake-up
   * marker its wait may have taken again, for other workers of the queue. A job that a fetch
   * already under way brings back after the pause is put back before the fetch returns.
   */
  protected override moveToActive(token: string, name?: string): Promise<Job> {
    const fetch =
      this.paused || this.closing
        ? this.hooks.passOnWakeUp().then(() => undefined as unknown as Job)
        : super.moveToActive(token, name).then(async (job) => {
            if (job && (this.paused || this.closing)) {
              await this.hooks.giveBack(job, token);
              return undefined as unknown as Job;
            }
            return job;
          });
    this.fetches.add(fetch);
    const forget = () => this.fetches.delete(fetch);
    fetch.then(forget, forget);
    return fetch;
  }

  /** Resolves once every fetch under way has returned, so none takes a job after a pause. */
  async fetchesReturned(): Promise<void> {
    while (this.fetches.size > 0) await Promise.allSettled([...this.fetches]);
  }

  /**
   * Completes through a batch (see `completion-batches.ts`) what BullMQ's plain path would complete:
   * jobs without a parent, kept once completed or kept for an age (`completedRetention`), on a
   * worker without metrics, name or limiter.
   * Anything else, and any job the batch script left untouched, goes through BullMQ's own script.
   */
  protected override handleCompleted(
    result: unknown,
    job: Job,
    token: string,
    fetchNextCallback?: () => boolean,
    span?: Parameters<Worker['handleCompleted']>[4],
  ): Promise<Job> {
    const keepAgeSec = this.batchable(job) ? completedRetention(job) : undefined;
    const returnValue = keepAgeSec === undefined ? undefined : jsonOrUndefined(result);
    if (keepAgeSec === undefined || returnValue === undefined)
      return this.completeThroughBullmq(result, job, token, fetchNextCallback, span);
    const fetchNext = (fetchNextCallback?.() ?? true) && !(this.closing || this.paused);
    return this.completions.add({ id: job.id ?? '', token, returnValue, fetchNext, keepAgeSec }).then(
      ({ reply, finishedOn }) => {
        if (reply === -1) return this.completeThroughBullmq(result, job, token, fetchNextCallback, span);
        // What BullMQ's Job.moveToCompleted and Worker.handleCompleted do after storing.
        job.returnvalue = result || undefined;
        job.finishedOn = finishedOn;
        job.attemptsMade += 1;
        this.emit('completed', job, result, 'active');
        this.hooks.completionStored(job);
        if (reply === 0) return undefined as unknown as Job;
        const [jobData, jobId] = raw2NextJobData([reply[0], reply[1], 0, 0]);
        (this as unknown as { updateDelays(limit: number, until: number): void }).updateDelays(0, 0);
        return this.nextJobFromJobData(jobData, jobId, token);
      },
      (error: unknown) => this.completionFailed(job, error),
    );
  }

  private batchable(job: Job): boolean {
    return this.plainCompletions && !this.backend.closing && job.parentKey === undefined;
  }

  /** Connection errors are retried by BullMQ (which calls `handleCompleted` again); anything else is final. */
  private completionFailed(job: Job, error: unknown): never {
    if (isNotConnectionError(error as Error)) this.hooks.completionStored(job, error);
    throw error;
  }

  private completeThroughBullmq(
    result: unknown,
    job: Job,
    token: string,
    fetchNextCallback?: () => boolean,
    span?: Parameters<Worker['handleCompleted']>[4],
  ): Promise<Job> {
    // `then` rather than an async wrapper: one promise less per completed job.
    return super.handleCompleted(result, job, token, fetchNextCallback, span).then(
      (next) => {
        this.hooks.completionStored(job);
        return next;
      },
      (error: unknown) => {
        if (isLeaseLostError(error)) {
          // Another delivery owns the job now: the completion has no effect, and nothing is fetched.
          this.hooks.completionStored(job, 'lost');
          return undefined as unknown as Job;
        }
        return this.completionFailed(job, error);
      },
    );
  }
}

/**
 * What the batch does with the job's `removeOnComplete`: keep it (null; none set, or `false`),
 * keep it for an age in seconds (`{ age }` alone, what Switchyard's `retention.completed` sets),
 * or nothing (undefined: counts, limits and removal at once are BullMQ's own script's to do).
 */
export function completedRetention(job: Job): number | null | undefined {
  const keep = job.opts.removeOnComplete;
  if (keep === undefined || keep === false) return null;
  if (typeof keep !== 'object' || keep === null || !('age' in keep)) return undefined;
  const { age, count, limit } = keep;
  return age > 0 && count === undefined && limit === undefined ? age : undefined;
}

/** `value` as JSON, or undefined when it cannot be (BullMQ's own path then reports why). */
function jsonOrUndefined(value: unknown): string | undefined {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return undefined;
  }
}

export { Job };
