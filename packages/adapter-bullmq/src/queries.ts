/**
 * `jobs`: reads and management. A job's queue is not in its id, so lookups probe the
 * known queues in one script; `list` is the search (`search.ts`), `counts` the queue
 * statistics script (`stats.ts`), `bulk` the bulk script (`bulk.ts`).
 */
import type { CancelOutcome, JobCounts, JobRecord, QueueAdapterV2 } from '@switchyard/core';
import { bulkJobs } from './bulk.js';
import { decodeRecord, type RawJob, toRaw } from './codec.js';
import type { AdapterContext } from './context.js';
import { wrapErrors } from './errors.js';
import { searchJobs } from './search.js';
import { countJobs } from './stats.js';

/** Builds the `jobs` store. */
export function createJobStore(context: AdapterContext): QueueAdapterV2['jobs'] {
  const { scripts, prefix } = context;

  async function find(id: string): Promise<RawJob | null> {
    const queues = await context.knownQueues();
    if (queues.length === 0) return null;
    const reply = (await scripts.findJob(prefix, id, queues)) as [string, string, string, string[]] | null;
    if (!reply) return null;
    return toRaw(reply[0], id, reply[1], reply[2], reply[3]);
  }

  return {
    get: (id) =>
      wrapErrors('jobs.get', async () => {
        const raw = await find(id);
        return raw ? decodeRecord(raw, context.decodeContext()) : null;
      }),

    list: (query) => wrapErrors('jobs.list', () => searchJobs(context, query)),

    counts: (query) => wrapErrors('jobs.counts', (): Promise<JobCounts> => countJobs(context, query?.queue)),

    cancel: (id) =>
      wrapErrors('jobs.cancel', async (): Promise<CancelOutcome> => {
        const queues = await context.knownQueues();
        if (queues.length === 0) return 'not_found';
        return (await scripts.cancelJob(prefix, id, context.clock.now(), queues)) as CancelOutcome;
      }),

    retry: (id) =>
      wrapErrors('jobs.retry', async (): Promise<JobRecord | null> => {
        const queues = await context.knownQueues();
        if (queues.length === 0) return null;
        const retried = (await scripts.retryJob(prefix, id, queues)) as [string, string[] | string] | null;
        if (!retried || retried[0] === '' || typeof retried[1] === 'string') return null;
        // The record as of the retry (a worker may take the job at once): pending, attempt 0.
        return decodeRecord(toRaw(retried[0], id, 'prioritized', '', retried[1]), context.decodeContext());
      }),

    remove: (id) =>
      wrapErrors('jobs.remove', async (): Promise<boolean> => {
        const queues = await context.knownQueues();
        if (queues.length === 0) return false;
        // Frees the unique key too; a job locked by a running worker is refused (as BullMQ's remove).
        return (await scripts.removeJob(prefix, id, queues)) === 1;
      }),

    bulk: (ids, action, onlyIn) => wrapErrors('jobs.bulk', () => bulkJobs(context, ids, action, onlyIn)),
  };
}
