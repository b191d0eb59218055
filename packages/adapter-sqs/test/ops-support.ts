/** Helpers for the operations tests: both job-state stores, seeded records, list queries. */
import { type JobStateStore, memoryStore, redisStore } from '@switchyard/adapter-sqs';
import {
  type JobState,
  type ListJobsQuery,
  type NewJob,
  type NormalizedListQuery,
  newJobId,
  normalizeListQuery,
} from '@switchyard/core';
import type { StoredRecord } from '../src/codec.js';
import { toWrite } from '../src/records.js';
import { keyPrefixOf, REDIS_URL } from './conformance-adapter.js';
import { newJob, testClient } from './support.js';

/** A store kind and how to build one for a test prefix. */
export type StoreKind = [name: 'redis' | 'memory', create: (prefix: string) => Promise<JobStateStore>];

/** Both job-state stores: Redis (real server, one namespace per prefix) and in-memory. */
export const STORE_KINDS: StoreKind[] = [
  [
    'redis',
    async (prefix) => {
      await testClient(); // checks Redis is reachable, naming REDIS_URL when not
      return redisStore({ url: REDIS_URL, keyPrefix: keyPrefixOf(prefix) });
    },
  ],
  ['memory', async () => memoryStore()],
];

/** A stored record as the adapter writes it, in any state (finished states get `finishedAt`). */
export function seededRecord(
  state: JobState,
  overrides: Partial<NewJob> &
    Partial<Pick<StoredRecord, 'attempt' | 'finishedAt' | 'error' | 'result'>> = {},
  now = Date.now(),
): StoredRecord {
  const { attempt, finishedAt, error, result, ...job } = overrides;
  const base = newJob(job, now);
  const record: StoredRecord = {
    ...base,
    state,
    attempt: attempt ?? (state === 'pending' || state === 'scheduled' ? 0 : 1),
    doorbell: 1,
  };
  if (state === 'completed' || state === 'failed' || state === 'cancelled') {
    record.finishedAt = finishedAt ?? new Date(now);
  }
  if (error) record.error = error;
  if (result !== undefined) record.result = result;
  return record;
}

/** Writes records straight into a store (bypassing SQS), in batches. */
export async function seed(store: JobStateStore, records: StoredRecord[]): Promise<void> {
  for (let start = 0; start < records.length; start += 500) {
    const results = await store.insertJobs(records.slice(start, start + 500).map(toWrite));
    if (results.some((result) => !result.created)) throw new Error('seeding hit a duplicate');
  }
}

/** A list query as core hands it to the adapter, with an optional scan budget. */
export function listQuery(query: ListJobsQuery, scanLimit?: number): NormalizedListQuery {
  const normalized = normalizeListQuery(query);
  return scanLimit === undefined ? normalized : { ...normalized, scanLimit };
}

/** Ascending ids, one per millisecond from `start` (creation order = id order). */
export function idsFrom(start: number, count: number): string[] {
  return Array.from({ length: count }, (_, index) => newJobId(start + index));
}
