/**
 * Jobs on BullMQ's plain prioritized path, added by one script call per slice of a queue's jobs
 * (`lua/add-batch.ts`) instead of one BullMQ add script per job: the call carries the adapter's
 * own writes too (the queue record, the id index), and what BullMQ's add does per job but needs
 * once (reading the queue's metadata, setting the wake-up marker) it does once.
 */
import type { EnqueueOutcome, NewJob } from '@switchyard/core';
import { type JobsOptions, optsEncodeMap } from 'bullmq';
import type { AdapterContext } from './context.js';

/** Jobs per script call: one call holds Redis for about a millisecond. */
const JOBS_PER_CALL = 250;

/**
 * Whether a job's BullMQ options allow the batch path: due now, no unique key, and a priority
 * that puts it in `prioritized` (priority 0 is BullMQ's standard wait list). The caller also
 * asks that core generated every id of the call (`newIds`).
 */
export function addsInBatch(opts: JobsOptions): boolean {
  return opts.delay === undefined && opts.deduplication === undefined && (opts.priority ?? 0) >= 1;
}

/** One job's fields for the script. */
export interface BatchedAdd {
  job: NewJob;
  data: string;
  opts: JobsOptions;
}

/** Adds `adds` (each on the batch path) and reports every job created. */
export async function addInBatches(context: AdapterContext, adds: BatchedAdd[]): Promise<EnqueueOutcome[]> {
  const byQueue = new Map<string, BatchedAdd[]>();
  for (const add of adds) {
    const group = byQueue.get(add.job.queue);
    if (group) group.push(add);
    else byQueue.set(add.job.queue, [add]);
  }
  const calls: Array<Promise<unknown>> = [];
  for (const [queue, group] of byQueue) {
    for (let first = 0; first < group.length; first += JOBS_PER_CALL) {
      const args: Array<string | number> = [];
      for (const { job, data, opts } of group.slice(first, first + JOBS_PER_CALL))
        args.push(job.id, job.task, data, storedOptions(opts), job.createdAt.getTime(), opts.priority ?? 0);
      calls.push(context.scripts.addBatch(context.prefix, queue, args));
    }
  }
  await Promise.all(calls);
  return adds.map(({ job }) => ({ status: 'created', id: job.id }));
}

/** The options as BullMQ's add stores them: its `optsAsJSON` (a few names shortened), as JSON. */
function storedOptions(opts: JobsOptions): string {
  const renamed = optsEncodeMap as Record<string, string>;
  const stored: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(opts))
    if (value !== undefined) stored[renamed[name] ?? name] = value;
  return JSON.stringify(stored);
}
