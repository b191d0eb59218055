/**
 * `adapter.jobs`: get, list (newest first, cursor = last id seen), counts, cancel,
 * retry and remove, all answered by the job-state store; retry rings a new doorbell.
 */
import type { CancelOutcome, JobCounts, JobPage, JobRecord, JobStore, ListJobsQuery } from '@switchyard/core';
import { InvalidOptionsError } from '@switchyard/core';
import { toJobRecord } from './codec.js';
import { ringDoorbells } from './enqueue.js';
import type { AdapterRuntime } from './runtime.js';
import type { JobIndex } from './store/types.js';
import { isTerminalState } from './store/types.js';
import { cancelled, manuallyRetried } from './transitions.js';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 1000;

/** Builds `adapter.jobs` on top of the store. */
export function createJobQueries(runtime: AdapterRuntime): JobStore {
  const { records } = runtime;
  const store = () => runtime.options.store;
  return {
    async get(id: string): Promise<JobRecord | null> {
      const loaded = await records.load(id);
      return loaded ? toJobRecord(loaded.record) : null;
    },

    async list(query: ListJobsQuery): Promise<JobPage> {
      const limit = query.limit ?? DEFAULT_LIMIT;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
        throw new InvalidOptionsError(
          `limit must be an integer 1..${MAX_LIMIT}, got ${JSON.stringify(query.limit)}`,
        );
      }
      const index: JobIndex = query.state
        ? { kind: 'state', value: query.state }
        : query.queue
          ? { kind: 'queue', value: query.queue }
          : query.task
            ? { kind: 'task', value: query.task }
            : { kind: 'all' };
      const jobs: JobRecord[] = [];
      let before = query.cursor;
      // Walk the most selective index and filter the rest on the indexed fields.
      for (;;) {
        const chunk = Math.min(MAX_LIMIT, Math.max(limit * 2, 100));
        const ids = await records.call('list jobs', () =>
          store().listJobIds(index, { ...(before ? { before } : {}), limit: chunk }),
        );
        if (ids.length === 0) break;
        const loaded = await records.loadMany(ids);
        for (const entry of loaded) {
          if (!entry) continue;
          const job = entry.record;
          if (query.state && job.state !== query.state) continue;
          if (query.queue && job.queue !== query.queue) continue;
          if (query.task && job.task !== query.task) continue;
          jobs.push(toJobRecord(job));
          if (jobs.length === limit + 1) break;
        }
        if (jobs.length > limit || ids.length < chunk) break;
        before = ids[ids.length - 1];
      }
      const page = jobs.slice(0, limit);
      return jobs.length > limit ? { jobs: page, nextCursor: page[page.length - 1]!.id } : { jobs: page };
    },

    async counts(query?: { queue?: string }): Promise<JobCounts> {
      return records.call('count jobs', () => store().countJobs(query?.queue));
    },

    async cancel(id: string): Promise<CancelOutcome> {
      const now = new Date(runtime.clock.now());
      const outcome = await records.mutate(id, ({ record }) => {
        if (isTerminalState(record.state)) return null;
        if (record.state === 'running')
          return record.cancelRequested ? null : { ...record, cancelRequested: true };
        return cancelled(record, now);
      });
      if (outcome.status === 'missing') return 'not_found';
      const record = outcome.record;
      if (record.state === 'running') return 'requested';
      if (outcome.status === 'written') return 'cancelled';
      return 'finished';
    },

    async retry(id: string): Promise<JobRecord | null> {
      const now = runtime.clock.now();
      const outcome = await records.mutate(id, ({ record, malformed }) =>
        !malformed && (record.state === 'failed' || record.state === 'cancelled')
          ? manuallyRetried(record, new Date(now))
          : null,
      );
      if (outcome.status !== 'written') return null;
      await ringDoorbells(runtime, [outcome.record], now);
      return toJobRecord(outcome.record);
    },

    async remove(id: string): Promise<boolean> {
      return records.call('remove a job', () => store().deleteJob(id));
    },
  };
}
