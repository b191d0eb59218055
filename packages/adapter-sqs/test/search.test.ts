/**
 * Search (`adapter.jobs.list` with core's normalized query) on both job-state stores:
 * every filter and combinations on 3,000 jobs against core's reference predicate, cursor
 * continuation, and the scan budget returning short pages with a cursor.
 */
import type { JobStateStore, SqsQueueAdapter } from '@switchyard/adapter-sqs';
import { type JobRecord, type JobState, jobMatchesFilter, type ListJobsQuery } from '@switchyard/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StoredRecord, toJobRecord } from '../src/codec.js';
import conformanceModule, { keyPrefixOf, REDIS_URL } from './conformance-adapter.js';
import { idsFrom, listQuery, STORE_KINDS, seed, seededRecord } from './ops-support.js';
import { newPrefix, startedAdaptersClosedAfterEach } from './support.js';

const COUNT = 3_000;
const BASE = Date.UTC(2026, 0, 1);
const STATES: JobState[] = [
  'pending',
  'scheduled',
  'running',
  'retrying',
  'completed',
  'failed',
  'cancelled',
];

/** 3,000 jobs spread over tasks, queues, states, metadata, payloads and creation times. */
function corpus(): StoredRecord[] {
  const ids = idsFrom(BASE, COUNT);
  return ids.map((id, index) =>
    seededRecord(
      STATES[index % STATES.length]!,
      {
        id,
        task: ['alpha', 'beta', 'gamma'][index % 3]!,
        queue: index % 5 === 0 ? 'slow' : 'fast',
        createdAt: new Date(BASE + index * 1_000),
        metadata: { tenant: `t${index % 10}`, ...(index % 500 === 0 ? { rare: 'yes' } : {}) },
        payload: { n: index, kind: index % 4 === 0 ? { deep: [1, { x: index % 8 === 0 }] } : 'plain' },
        finishedAt: new Date(BASE + index * 1_000 + 10),
      },
      BASE + index * 1_000,
    ),
  );
}

/** Every page of a query (with `scanLimit`), and the pages themselves. */
async function pageThrough(adapter: SqsQueueAdapter, query: ListJobsQuery, scanLimit?: number) {
  const pages: Array<{ jobs: JobRecord[]; nextCursor?: string }> = [];
  let cursor: string | undefined;
  do {
    const page = await adapter.jobs.list(
      listQuery({ ...query, ...(cursor === undefined ? {} : { cursor }) }, scanLimit),
    );
    pages.push(page);
    cursor = page.nextCursor;
    if (pages.length > 200) throw new Error('too many pages');
  } while (cursor !== undefined);
  return { jobs: pages.flatMap((page) => page.jobs), pages };
}

const FILTERS: Array<[string, ListJobsQuery]> = [
  ['one state', { state: 'failed' }],
  ['several states', { state: ['failed', 'cancelled'] }],
  ['task and queue', { task: 'beta', queue: 'slow' }],
  ['state + metadata', { state: 'pending', metadata: { tenant: 't3' } }],
  ['payload, nested JSON value', { payload: { kind: { deep: [1, { x: true }] } } }],
  ['payload scalar', { payload: { n: 42 } }],
  ['created between', { createdAfter: BASE + 1_000_000, createdBefore: BASE + 1_500_000 }],
  ['finished before + state', { state: 'completed', finishedBefore: BASE + 1_000_000 }],
  ['finished before alone', { finishedBefore: BASE + 200_000 }],
  ['rare metadata', { metadata: { rare: 'yes' } }],
  [
    'everything combined',
    { state: ['pending', 'failed'], queue: 'fast', task: 'alpha', metadata: { tenant: 't1' } },
  ],
  ['no filter', {}],
];

describe.each(STORE_KINDS)('search on the %s store', (kind, createStore) => {
  const adapterFor = startedAdaptersClosedAfterEach();
  const records = corpus();
  const expectedFor = (query: ListJobsQuery): string[] => {
    const filter = listQuery(query);
    return records
      .map(toJobRecord)
      .filter((job) => jobMatchesFilter(job, filter))
      .map((job) => job.id)
      .sort()
      .reverse();
  };
  let store: JobStateStore;
  let prefix: string;
  // One corpus for the whole file (seeding is the slow part); its keys go in afterAll.
  beforeAll(async () => {
    prefix = `ts${kind}${Date.now().toString(36)}`;
    store = await createStore(prefix);
    await store.connect();
    await seed(store, records);
  });
  afterAll(async () => {
    await store.close();
    await conformanceModule.cleanup!({ prefix });
  });

  it.each(FILTERS)('%s: every match, newest first, across cursor pages', async (_name, query) => {
    const adapter = await adapterFor(prefix, { store });
    const expected = expectedFor(query);
    expect(expected.length).toBeGreaterThan(0);
    const { jobs, pages } = await pageThrough(adapter, { ...query, limit: 100 });
    expect(jobs.map((job) => job.id)).toEqual(expected);
    for (const page of pages) expect(page.jobs.length).toBeLessThanOrEqual(100);
    // A full-budget page is full unless it is the last one.
    for (const page of pages.slice(0, -1)) expect(page.jobs).toHaveLength(100);
    expect(pages.at(-1)!.nextCursor).toBeUndefined();
  });

  it('returns whole records, equal to what was stored', async () => {
    const adapter = await adapterFor(prefix, { store });
    const page = await adapter.jobs.list(listQuery({ payload: { n: 7 } }));
    expect(page.jobs).toEqual([toJobRecord(records[7]!)]);
    expect(page.nextCursor).toBeUndefined();
  });

  it('the scan budget ends a page early with a cursor after the last job examined', async () => {
    const adapter = await adapterFor(prefix, { store });
    // No indexed filter: the walk covers every id, newest first, 100 per page.
    const first = await adapter.jobs.list(listQuery({ metadata: { rare: 'yes' }, limit: 10 }, 100));
    expect(first.jobs).toEqual([]);
    expect(first.nextCursor).toBe(records[COUNT - 100]!.id);
    const second = await adapter.jobs.list(
      listQuery({ metadata: { rare: 'yes' }, limit: 10, cursor: first.nextCursor! }, 100),
    );
    expect(second.nextCursor).toBe(records[COUNT - 200]!.id);
    const { jobs, pages } = await pageThrough(adapter, { metadata: { rare: 'yes' }, limit: 10 }, 100);
    expect(jobs.map((job) => job.id)).toEqual(expectedFor({ metadata: { rare: 'yes' } }));
    expect(pages).toHaveLength(COUNT / 100);
  });

  it('with an indexed filter the budget counts only ids of that index where the store has one', async () => {
    const adapter = await adapterFor(prefix, { store });
    const query = { state: 'failed' as const, metadata: { tenant: 't4' }, limit: 5 };
    const { jobs, pages } = await pageThrough(adapter, query, 150);
    expect(jobs.map((job) => job.id)).toEqual(expectedFor(query));
    for (const page of pages) expect(page.jobs.length).toBeLessThanOrEqual(5);
    // The Redis store walks the 'failed' index (1/7 of the ids); the memory store walks every id.
    const walked = kind === 'redis' ? COUNT / STATES.length : COUNT;
    expect(pages.length).toBeLessThanOrEqual(Math.ceil(walked / 150) + jobs.length);
  });

  it('continues from a cursor of a page that was full', async () => {
    const adapter = await adapterFor(prefix, { store });
    const first = await adapter.jobs.list(listQuery({ task: 'gamma', limit: 3 }));
    const expected = expectedFor({ task: 'gamma' });
    expect(first.jobs.map((job) => job.id)).toEqual(expected.slice(0, 3));
    expect(first.nextCursor).toBe(expected[2]);
    const next = await adapter.jobs.list(listQuery({ task: 'gamma', limit: 3, cursor: first.nextCursor! }));
    expect(next.jobs.map((job) => job.id)).toEqual(expected.slice(3, 6));
  });

  it('finds nothing, without a cursor, for a filter no job matches', async () => {
    const adapter = await adapterFor(prefix, { store });
    expect(await adapter.jobs.list(listQuery({ task: 'nobody' }))).toEqual({ jobs: [] });
    expect(await adapter.jobs.list(listQuery({ state: 'running', queue: 'nowhere' }))).toEqual({ jobs: [] });
  });
});

describe('search on the redis store, records of an older version', () => {
  const adapterFor = startedAdaptersClosedAfterEach();

  it('a job stored without its creation time beside the record is checked on the record', async () => {
    const prefix = newPrefix();
    const store = await STORE_KINDS[0]![1](prefix);
    const records = corpus().slice(0, 5);
    await store.connect();
    await seed(store, records);
    const adapter = await adapterFor(prefix, { store });
    const backdoor = new Redis(REDIS_URL);
    try {
      expect(await backdoor.hdel(`${keyPrefixOf(prefix)}:job:${records[2]!.id}`, 'ca')).toBe(1);
    } finally {
      backdoor.disconnect();
    }
    const page = await adapter.jobs.list(
      listQuery({ createdAfter: BASE + 1_500, createdBefore: BASE + 3_500 }),
    );
    expect(page.jobs.map((job) => job.id)).toEqual([records[3]!.id, records[2]!.id]);
  });
});
