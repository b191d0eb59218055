/**
 * `jobs`: reads and management. A job's queue is not in its id, so lookups probe the
 * known queues in one script; listing gathers the ids of a state per queue, orders
 * them newest first by id (ids are time ordered) and pages with the last id as cursor.
 */
import {
  type CancelOutcome,
  InvalidOptionsError,
  JOB_STATES,
  type JobCounts,
  type JobPage,
  type JobRecord,
  type JobState,
  type JobStore,
  type ListJobsQuery,
} from '@switchyard/core';
import { decodeRecord, type RawJob } from './codec.js';
import type { AdapterContext } from './context.js';
import { wrapErrors } from './errors.js';
import type { BullPlace } from './state-mapping.js';

const DEFAULT_PAGE = 50;
const MAX_PAGE = 1000;

/** HGETALL's flat [field, value, ...] reply → object. */
function toFields(flat: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
  return fields;
}

function toRaw(queue: string, id: string, place: string, score: string, flat: string[]): RawJob {
  const raw: RawJob = { queue, id, place: place as BullPlace, fields: toFields(flat) };
  if (score !== '') raw.delayedScore = Number(score);
  return raw;
}

/** Encodes the cursor (the last id of the page) so callers treat it as opaque. */
export function encodeCursor(lastId: string): string {
  return Buffer.from(lastId, 'utf8').toString('base64url');
}

/** Decodes a cursor, refusing anything this adapter did not hand out. */
export function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (id.length === 0 || encodeCursor(id) !== cursor)
    throw new InvalidOptionsError(`invalid cursor "${cursor}"`);
  return id;
}

/** Builds the `jobs` store. */
export function createJobStore(context: AdapterContext): JobStore {
  const { scripts, prefix } = context;

  async function find(id: string): Promise<RawJob | null> {
    const queues = await context.knownQueues();
    if (queues.length === 0) return null;
    const reply = (await scripts.findJob(prefix, id, queues)) as [string, string, string, string[]] | null;
    if (!reply) return null;
    return toRaw(reply[0], id, reply[1], reply[2], reply[3]);
  }

  async function get(id: string): Promise<JobRecord | null> {
    const raw = await find(id);
    return raw ? decodeRecord(raw) : null;
  }

  async function readMany(pairs: Array<[string, string]>): Promise<JobRecord[]> {
    if (pairs.length === 0) return [];
    const replies = (await scripts.readJobs(prefix, pairs)) as Array<[string, string, string[]] | null>;
    const records: JobRecord[] = [];
    replies.forEach((reply, index) => {
      const [queue, id] = pairs[index] as [string, string];
      if (!reply) return; // removed between listing and reading (retention): not part of the page
      const record = decodeRecord(toRaw(queue, id, reply[0], reply[1], reply[2]));
      if (record) records.push(record);
    });
    return records;
  }

  return {
    get: (id) => wrapErrors('jobs.get', () => get(id)),

    list: (query: ListJobsQuery) =>
      wrapErrors('jobs.list', async (): Promise<JobPage> => {
        const limit = Math.min(MAX_PAGE, Math.max(1, query.limit ?? DEFAULT_PAGE));
        const after = query.cursor !== undefined ? decodeCursor(query.cursor) : undefined;
        const queues = query.queue !== undefined ? [query.queue] : await context.knownQueues();
        const states: readonly JobState[] = query.state ? [query.state] : JOB_STATES;
        const candidates: Array<[string, string]> = [];
        for (const queue of queues) {
          for (const state of states) {
            const ids = (await scripts.listIds(prefix, queue, state, query.task ?? '')) as string[];
            for (const id of ids) if (after === undefined || id < after) candidates.push([queue, id]);
          }
        }
        candidates.sort((a, b) => (a[1] < b[1] ? 1 : a[1] > b[1] ? -1 : 0));
        const page = candidates.slice(0, limit);
        const jobs = await readMany(page);
        const last = page[page.length - 1];
        return candidates.length > limit && last ? { jobs, nextCursor: encodeCursor(last[1]) } : { jobs };
      }),

    counts: (query) =>
      wrapErrors('jobs.counts', async (): Promise<JobCounts> => {
        const counts = Object.fromEntries(JOB_STATES.map((state) => [state, 0])) as JobCounts;
        const queues = query?.queue !== undefined ? [query.queue] : await context.knownQueues();
        const replies = await Promise.all(
          queues.map((queue) => scripts.countStates(prefix, queue) as Promise<number[]>),
        );
        for (const reply of replies) {
          JOB_STATES.forEach((state, index) => {
            counts[state] += reply[index] ?? 0;
          });
        }
        return counts;
      }),

    cancel: (id) =>
      wrapErrors('jobs.cancel', async (): Promise<CancelOutcome> => {
        const queues = await context.knownQueues();
        if (queues.length === 0) return 'not_found';
        return (await scripts.cancelJob(prefix, id, Date.now(), queues)) as CancelOutcome;
      }),

    retry: (id) =>
      wrapErrors('jobs.retry', async (): Promise<JobRecord | null> => {
        const queues = await context.knownQueues();
        if (queues.length === 0) return null;
        const prepared = (await scripts.prepareRetry(prefix, id, queues)) as
          | [string, string[] | string]
          | null;
        if (!prepared || prepared[0] === '' || typeof prepared[1] === 'string') return null;
        const queue = await context.queue(prepared[0]);
        // BullMQ's reprocess: failed → waiting in its priority band, attempt counters reset.
        await queue.backend.retryFinishedJob({ id, opts: {} } as never, 'failed', {
          resetAttemptsMade: true,
          resetAttemptsStarted: true,
        });
        // The record as of the retry (a worker may take the job at once): pending, attempt 0.
        return decodeRecord(toRaw(prepared[0], id, 'prioritized', '', prepared[1]));
      }),

    remove: (id) =>
      wrapErrors('jobs.remove', async (): Promise<boolean> => {
        const raw = await find(id);
        if (!raw) return false;
        const queue = await context.queue(raw.queue);
        // BullMQ's remove also frees the deduplication (unique) key; a locked (running) job is refused.
        return (await queue.remove(id)) === 1;
      }),
  };
}
