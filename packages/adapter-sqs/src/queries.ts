/**
 * `adapter.jobs`: get, list (search, see `search.ts`), counts, cancel, retry, remove and
 * bulk actions (see `bulk.ts`), all answered by the job-state store; retry rings a new doorbell.
 */
import type {
  BulkAction,
  BulkOutcome,
  CancelOutcome,
  JobCounts,
  JobPage,
  JobRecord,
  JobState,
  NormalizedListQuery,
  QueueAdapterV2,
} from '@switchyard/core';
import { bulkAction } from './bulk.js';
import { toJobRecord } from './codec.js';
import { confirmRung, ringDoorbells, unrungMarks } from './enqueue.js';
import type { AdapterRuntime } from './runtime.js';
import { searchJobs } from './search.js';
import { isTerminalState } from './store/types.js';
import { cancelled, manuallyRetried } from './transitions.js';

/** Builds `adapter.jobs` on top of the store. */
export function createJobQueries(runtime: AdapterRuntime): QueueAdapterV2['jobs'] {
  const { records } = runtime;
  const store = () => runtime.options.store;
  return {
    async get(id: string): Promise<JobRecord | null> {
      const loaded = await records.load(id);
      return loaded ? toJobRecord(loaded.record) : null;
    },

    list: (query: NormalizedListQuery): Promise<JobPage> => searchJobs(runtime, query),

    bulk: (ids: string[], action: BulkAction, onlyIn: JobState[]): Promise<BulkOutcome> =>
      bulkAction(runtime, ids, action, onlyIn),

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
      const outcome = await records.mutate(
        id,
        ({ record, malformed }) =>
          !malformed && (record.state === 'failed' || record.state === 'cancelled')
            ? manuallyRetried(record, new Date(now))
            : null,
        unrungMarks(runtime, now),
      );
      if (outcome.status !== 'written') return null;
      await ringDoorbells(runtime, [outcome.record], now);
      await confirmRung(runtime, [id]);
      return toJobRecord(outcome.record);
    },

    async remove(id: string): Promise<boolean> {
      return records.call('remove a job', () => store().deleteJob(id));
    },
  };
}
