/**
 * The add command of one job, built without a BullMQ `Job` object. BullMQ's own
 * `addJobToTransaction` picks the add script (standard, prioritized, delayed) and packs
 * the arguments, exactly as `Queue.addBulk` would; it only needs the fields below.
 * Constructing a `Job` per job (option merging, backoff normalisation, a backend per job,
 * `asJSON`) is what `addBulk` pays on top, and none of it reaches Redis.
 */
import type { IRedisTransaction, JobsOptions, RedisQueueBackend } from 'bullmq';

/** The fields of BullMQ's `JobJson` that its add scripts read. */
export interface AddableJob {
  name: string;
  /** The serialized `data` field. */
  data: string;
  opts: JobsOptions;
  timestamp: number;
  deduplicationId?: string;
}

/** Queues `job`'s add script on `pipeline` (synchronously); the promise only reports argument errors. */
export function queueAdd(
  backend: RedisQueueBackend,
  pipeline: IRedisTransaction,
  job: AddableJob,
  jobId: string,
): Promise<unknown> {
  // `addJobToTransaction` only reads the JobJson fields above; the cast is the one place that knows.
  return backend.addJobToTransaction(pipeline, job as never, jobId);
}
