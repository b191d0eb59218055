/**
 * Storing jobs: pipelines of BullMQ's own add scripts (the same scripts as BullMQ 6's
 * `Queue.addBulk`: each job's add is one atomic script, the batch is not a transaction),
 * each preceded by one script that records the queues as known ones and reports which ids
 * exist already, so a duplicate id is told apart from a created job; BullMQ deduplication
 * carries `uniqueKey`. When core generated every id (`newIds`), none can exist: the adds go
 * first and the same script, with no ids to look for, follows them to record the queues. And
 * when, besides, every job is on BullMQ's plain prioritized path (due now, no unique key,
 * priority >= 1: what `enqueueMany` and `enqueue` without an id send by default), the adapter's
 * own add script stores them in slices, one call per slice (`enqueue-batch.ts`).
 */
import type { AdapterEnqueueOptions, EnqueueOutcome, NewJob } from '@switchyard/core';
import type { IRedisTransaction, JobsOptions, Queue, RedisQueueBackend } from 'bullmq';
import type { ChainableCommander } from 'ioredis';
import { type AddableJob, queueAdd } from './add-command.js';
import { toEnvelope } from './codec.js';
import type { AdapterContext } from './context.js';
import { DirectCommands } from './direct-commands.js';
import { addInBatches, addsInBatch, type BatchedAdd } from './enqueue-batch.js';
import { wrapErrors } from './errors.js';
import { idIndexKey, queueKey } from './keys.js';
import { toBullPriority } from './state-mapping.js';

/**
 * BullMQ deduplication id for a unique key: scoped by task, as Switchyard's uniqueness is per
 * (task, key). `|` cannot appear in a task name, so distinct pairs never share an id.
 */
export function deduplicationId(task: string, uniqueKey: string): string {
  return `${task}|${uniqueKey}`;
}

/** BullMQ job options for a new job (pure, given `now` and retention). */
export function toJobOptions(
  job: NewJob,
  now: number,
  keep: Pick<JobsOptions, 'removeOnComplete' | 'removeOnFail'>,
): JobsOptions {
  const createdAt = job.createdAt.getTime();
  const runAt = job.runAt.getTime();
  const options: JobsOptions = {
    jobId: job.id,
    // BullMQ's delayed score is timestamp + delay, so runAt is kept to the millisecond.
    timestamp: createdAt,
    priority: toBullPriority(job.priority),
    ...keep,
  };
  if (runAt > now) options.delay = Math.max(1, runAt - createdAt);
  if (job.uniqueKey !== undefined) options.deduplication = { id: deduplicationId(job.task, job.uniqueKey) };
  return options;
}

/**
 * Jobs per pipeline. A batch goes out as several pipelines written back to back, so Redis
 * runs the first while the client is still serializing the next (one pipeline is written
 * only once all of it is serialized).
 */
const JOBS_PER_PIPELINE = 250;

/** Stores `jobs`; see `QueueAdapter.enqueue`. */
export function enqueueJobs(
  context: AdapterContext,
  jobs: NewJob[],
  options: AdapterEnqueueOptions = {},
): Promise<EnqueueOutcome[]> {
  return wrapErrors('enqueue', async () => {
    if (jobs.length === 0) return [];
    const queueNames = [...new Set(jobs.map((job) => job.queue))];
    // A queue handle also on the batch path: BullMQ writes the queue's `meta` (its version) when
    // it makes one, as it does for a producer's `Queue`; made once per queue and cached.
    const queues = new Map(
      await Promise.all(queueNames.map(async (name) => [name, await context.queue(name)] as const)),
    );
    const now = context.clock.now();
    const keep = context.keepJobs();
    const adds: BatchedAdd[] = jobs.map((job) => {
      const opts = toJobOptions(job, now, keep);
      // What BullMQ's Job constructor adds to the stored options.
      opts.attempts = 0;
      return { job, opts, data: JSON.stringify(toEnvelope(job)) };
    });
    // Fresh ids on BullMQ's plain prioritized path: one script call per slice (`enqueue-batch.ts`).
    if (options.newIds === true && adds.every(({ opts }) => addsInBatch(opts))) {
      return addInBatches(context, adds);
    }
    // BullMQ's own client wrapper: its pipelines run BullMQ's versioned scripts (`runCommand`).
    // Pipelines, not MULTI: BullMQ 6's addBulk does the same, and MULTI costs ~15% of throughput.
    const bullClient = await (queues.get(jobs[0]?.queue ?? '') as Queue).backend.client;
    // Fresh ids need no existence check; then the adds are the first commands Redis gets.
    const checkIds = options.newIds !== true;
    const argumentErrors: unknown[] = [];
    const pipelines: Array<IRedisTransaction & ChainableCommander> = [];
    for (let first = 0; first < jobs.length; first += JOBS_PER_PIPELINE) {
      const chunk = jobs.slice(first, first + JOBS_PER_PIPELINE);
      // One job: its few commands straight on the connection (a pipeline object costs more than they do).
      const pipeline = (jobs.length === 1
        ? new DirectCommands(bullClient)
        : bullClient.pipeline()) as unknown as IRedisTransaction & ChainableCommander;
      // The queues become known ones, and which ids exist already is read, in one script just
      // before the adds (the queues once per call; one EXISTS for the ids, not N). Without the
      // check, the same script records the queues after the adds.
      const recordQueues = first === 0 ? queueNames : [];
      if (checkIds) {
        context.scripts.queueRecordQueuesFindJobs(
          pipeline,
          recordQueues,
          chunk.map((job) => queueKey(context.prefix, job.queue, job.id)),
        );
      }
      for (const { job, opts, data } of adds.slice(first, first + JOBS_PER_PIPELINE)) {
        const queue = queues.get(job.queue);
        if (!queue) throw new Error(`no queue handle for "${job.queue}"`);
        const addable: AddableJob = { name: job.task, data, opts, timestamp: job.createdAt.getTime() };
        if (opts.deduplication) addable.deduplicationId = opts.deduplication.id;
        queueAdd(queue.backend as RedisQueueBackend, pipeline, addable, job.id).catch((error: unknown) =>
          argumentErrors.push(error),
        );
      }
      if (!checkIds && recordQueues.length > 0)
        context.scripts.queueRecordQueuesFindJobs(pipeline, recordQueues, []);
      queueIndexing(pipeline, context.prefix, chunk);
      pipelines.push(pipeline);
    }
    await Promise.resolve();
    if (argumentErrors.length > 0) {
      for (const pipeline of pipelines) pipeline.discard();
      throw argumentErrors[0];
    }
    const chunkReplies = await Promise.all(pipelines.map((pipeline) => pipeline.exec()));
    // Each chunk's existence check ran just before its adds, so a repeated id within the batch
    // is recognised (by the check, or here within a chunk): its first occurrence is the one BullMQ stored.
    const earlier = new Set<string>();
    const outcomes: EnqueueOutcome[] = [];
    // Where a chunk's add replies start: after the existence check, when there is one.
    const firstAdd = checkIds ? 1 : 0;
    chunkReplies.forEach((replies, chunkIndex) => {
      if (!replies) throw new Error('the enqueue pipeline returned no replies');
      const existing = checkIds ? existenceCheckResult(replies[0]) : 0;
      const first = chunkIndex * JOBS_PER_PIPELINE;
      const count = Math.min(JOBS_PER_PIPELINE, jobs.length - first);
      for (let index = 0; index < count; index++) {
        const job = jobs[first + index] as NewJob;
        const key = `${job.queue}\n${job.id}`;
        const existed = (existing !== 0 && (existing as number[])[index] === 1) || earlier.has(key);
        earlier.add(key);
        outcomes.push(outcomeOf(job, existed, replies[firstAdd + index]));
      }
      // The queue record and the id index writes follow the adds; a failed one fails the call
      // (enqueueing again records and indexes them).
      for (let index = firstAdd + count; index < replies.length; index++) {
        const error = replies[index]?.[0];
        if (error) throw error;
      }
    });
    return outcomes;
  });
}

/**
 * Queues the id index writes of a chunk, after its adds (an index entry never precedes its
 * job, which the search would take for a deleted one): one ZADD per queue of the chunk.
 */
function queueIndexing(pipeline: ChainableCommander, prefix: string, chunk: NewJob[]): void {
  const byQueue = new Map<string, Array<string | number>>();
  for (const job of chunk) {
    let members = byQueue.get(job.queue);
    if (!members) {
      members = [];
      byQueue.set(job.queue, members);
    }
    members.push(0, job.id);
  }
  for (const [queue, members] of byQueue) pipeline.zadd(idIndexKey(prefix, queue), ...members);
}

type Reply = [error: Error | null, result: unknown] | undefined;

/** The existence check's answer: 0 when no id exists, else 1/0 per id (see `queueRecordQueuesFindJobs`). */
function existenceCheckResult(reply: Reply): unknown {
  if (!reply) throw new Error('missing reply to the existence check');
  if (reply[0]) throw reply[0];
  return reply[1];
}

/** Reads one job's add reply, knowing whether its id existed before. */
function outcomeOf(job: NewJob, existed: boolean, addReply: Reply): EnqueueOutcome {
  if (!addReply) throw new Error(`missing reply for job ${job.id}`);
  if (addReply[0]) throw addReply[0];
  if (existed) return { status: 'duplicate', id: job.id, existingJobId: job.id };
  if (typeof addReply[1] === 'number' && addReply[1] < 0)
    throw new Error(`BullMQ refused job ${job.id} (code ${addReply[1]})`);
  const storedId = String(addReply[1]);
  // A different id back means BullMQ deduplicated it against the unfinished holder of the unique key.
  if (storedId !== job.id) return { status: 'duplicate', id: job.id, existingJobId: storedId };
  return { status: 'created', id: job.id };
}
