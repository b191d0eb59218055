/**
 * `jobs.list` search on 3,000 jobs in every state: each filter alone and combined, cursor
 * paging, the scan budget's partial pages, and the id index healing after BullMQ (or
 * anything else) deleted a job behind the adapter's back. Expectations come from the
 * fixture's own description of the jobs, never from the adapter.
 */
import {
  InvalidOptionsError,
  type JobFilter,
  jobMatchesFilter,
  LIST_SCAN_LIMIT,
  type NormalizedListQuery,
} from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../src/search.js';
import { type Harness, newJob, startHarness } from './harness.js';
import { requireRedis } from './redis-required.js';
import { buildSearchFixture, type SearchFixture } from './search-fixture.js';

let h: Harness;
let fixture: SearchFixture;

beforeAll(async () => {
  await requireRedis();
  h = await startHarness();
  fixture = await buildSearchFixture(h);
}, 120_000);

afterAll(async () => {
  await h?.close();
});

/** Ids the fixture says match `filter`, newest first. */
function expected(filter: JobFilter): string[] {
  return fixture.jobs
    .filter((entry) =>
      jobMatchesFilter(
        {
          ...entry.job,
          state: entry.state,
          ...(entry.state === 'failed' || entry.state === 'cancelled' || entry.state === 'completed'
            ? { finishedAt: entry.finishedEarly ? new Date(0) : new Date(8.64e15) }
            : {}),
        },
        filter,
      ),
    )
    .map((entry) => entry.job.id)
    .sort()
    .reverse();
}

/** Every page of a search; checks each page's size and that pages never overlap. */
async function listAll(
  filter: JobFilter,
  limit: number,
  scanLimit = LIST_SCAN_LIMIT,
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const query: NormalizedListQuery = { ...filter, limit, scanLimit, ...(cursor ? { cursor } : {}) };
    const page = await h.adapter.jobs.list(query);
    expect(page.jobs.length).toBeLessThanOrEqual(limit);
    for (const job of page.jobs) expect(jobMatchesFilter(job, filter)).toBe(true);
    ids.push(...page.jobs.map((job) => job.id));
    cursor = page.nextCursor;
    pages++;
    if (pages > 10_000) throw new Error('the search never ends');
  } while (cursor !== undefined);
  return { ids, pages };
}

describe('bullmq search: filters', () => {
  const early = () => ({ finishedBefore: fixture.finishedBetween });
  const cases: Array<[string, () => JobFilter]> = [
    ['no filter', () => ({})],
    ['one state (failed)', () => ({ states: ['failed'] })],
    ['one state (cancelled)', () => ({ states: ['cancelled'] })],
    ['one state (retrying)', () => ({ states: ['retrying'] })],
    ['one state (scheduled)', () => ({ states: ['scheduled'] })],
    ['one state (pending)', () => ({ states: ['pending'] })],
    ['one state (running: none)', () => ({ states: ['running'] })],
    ['several states', () => ({ states: ['completed', 'cancelled', 'scheduled'] })],
    ['task', () => ({ task: 'resize' })],
    ['queue', () => ({ queue: 'beta' })],
    ['unknown queue', () => ({ queue: 'nowhere' })],
    ['createdAfter', () => ({ createdAfter: new Date(fixture.createdBase + 2500) })],
    ['createdBefore', () => ({ createdBefore: new Date(fixture.createdBase + 300) })],
    [
      'created range',
      () => ({
        createdAfter: new Date(fixture.createdBase + 1000),
        createdBefore: new Date(fixture.createdBase + 1100),
      }),
    ],
    ['finishedBefore', early],
    ['metadata', () => ({ metadata: { tenant: 't3' } })],
    ['metadata, two keys', () => ({ metadata: { tenant: 't7', vip: 'yes' } })],
    ['payload string', () => ({ payload: { kind: 'big' } })],
    ['payload number', () => ({ payload: { n: 1234 } })],
    ['payload null', () => ({ payload: { note: null } })],
    ['payload array (deep equality)', () => ({ payload: { tags: [3] } })],
    ['payload object, other key order', () => ({ payload: { size: { h: 1, w: 2 } } })],
    ['payload key that no job has', () => ({ payload: { missing: 1 } })],
    ['state + metadata', () => ({ states: ['failed'], metadata: { tenant: 't5' } })],
    ['queue + task + payload', () => ({ queue: 'alpha', task: 'resize', payload: { kind: 'big' } })],
    [
      'states + finishedBefore (a clean)',
      () => ({ states: ['failed', 'cancelled', 'completed'], ...early() }),
    ],
    [
      'everything',
      () => ({
        states: ['completed', 'pending'],
        task: 'email',
        queue: 'beta',
        createdAfter: new Date(fixture.createdBase + 100),
        createdBefore: new Date(fixture.createdBase + 2900),
        metadata: { tenant: 't1' },
        payload: { kind: 'small' },
      }),
    ],
  ];

  it.each(cases)('%s: every match, newest first, across pages', async (_name, filterOf) => {
    const filter = filterOf();
    const want = expected(filter);
    const { ids } = await listAll(filter, 200);
    expect(ids).toEqual(want);
  });

  it('the same answer whatever the page size (index walk or sorted state sets)', async () => {
    // 1,200 jobs sit in `failed`: sorted there for pages of 1,000, walked in the index for pages of 20.
    const filter: JobFilter = { states: ['cancelled'], metadata: { tenant: 't3' } };
    const small = await listAll(filter, 20);
    const large = await listAll(filter, 1000);
    expect(small.ids).toEqual(expected(filter));
    expect(large.ids).toEqual(small.ids);
    expect(large.pages).toBe(1);
  });

  it('returns whole records', async () => {
    const entry = fixture.jobs[1234] as SearchFixture['jobs'][number];
    const page = await h.adapter.jobs.list({ payload: { n: 1234 }, limit: 10, scanLimit: 5000 });
    expect(page.jobs).toHaveLength(1);
    expect(page.jobs[0]).toMatchObject({
      id: entry.job.id,
      task: entry.job.task,
      queue: entry.job.queue,
      state: entry.state,
      payload: entry.job.payload,
      metadata: entry.job.metadata,
      createdAt: entry.job.createdAt,
    });
  });
});

describe('bullmq search: scan budget', () => {
  it('stops after scanLimit jobs with a partial page and a cursor after the last one examined', async () => {
    const filter: JobFilter = { metadata: { tenant: 't3' } };
    const newest = fixture.jobs
      .map((entry) => entry.job.id)
      .sort()
      .reverse();
    const page = await h.adapter.jobs.list({ ...filter, limit: 1000, scanLimit: 100 });
    const inFirst100 = new Set(newest.slice(0, 100));
    expect(page.jobs.map((job) => job.id)).toEqual(expected(filter).filter((id) => inFirst100.has(id)));
    expect(page.nextCursor).toBe(encodeCursor(newest[99] as string));
  });

  it('paging with a small budget still finds every match, once', async () => {
    const filter: JobFilter = { task: 'email', payload: { kind: 'big' } };
    const { ids, pages } = await listAll(filter, 1000, 250);
    expect(ids).toEqual(expected(filter));
    // 3,000 indexed jobs at 250 examined per page.
    expect(pages).toBeGreaterThanOrEqual(12);
  });

  it('a full page stops early even with budget left', async () => {
    const page = await h.adapter.jobs.list({ limit: 5, scanLimit: 5000 });
    expect(page.jobs.map((job) => job.id)).toEqual(expected({}).slice(0, 5));
    expect(page.nextCursor).toBe(encodeCursor(expected({})[4] as string));
  });
});

describe('bullmq search: failed and cancelled jobs behind a newer backlog', () => {
  it('walks the state markers, not every newer job', async () => {
    const other = await startHarness();
    try {
      const failed = Array.from({ length: 30 }, () => newJob({ queue: 'q' }));
      await other.adapter.enqueue(failed);
      let settled = 0;
      const consumer = other.adapter.consume(
        ['q'],
        { concurrency: 10, leaseDurationMs: 30_000 },
        async (lease) => {
          const index = failed.findIndex((job) => job.id === lease.job.id);
          await (index % 3 === 0 ? lease.cancelled() : lease.fail({ name: 'Error', message: 'x' }));
          settled++;
        },
      );
      while (settled < failed.length) await new Promise((resolve) => setTimeout(resolve, 10));
      await consumer.stop();
      await other.adapter.enqueue(Array.from({ length: 500 }, () => newJob({ queue: 'q' })));
      const newest = failed
        .map((job) => job.id)
        .sort()
        .reverse();
      // A budget of 25 could not get past the 500 newer pending jobs in the id index.
      const page = await other.adapter.jobs.list({
        states: ['failed', 'cancelled'],
        limit: 20,
        scanLimit: 25,
      });
      expect(page.jobs.map((job) => job.id)).toEqual(newest.slice(0, 20));
      const rest = await other.adapter.jobs.list({
        states: ['failed', 'cancelled'],
        limit: 20,
        scanLimit: 25,
        cursor: page.nextCursor as string,
      });
      expect(rest.jobs.map((job) => job.id)).toEqual(newest.slice(20));
      expect(rest.nextCursor).toBeUndefined();
      const cancelled = await other.adapter.jobs.list({ states: ['cancelled'], limit: 50, scanLimit: 25 });
      expect(cancelled.jobs.map((job) => job.id)).toEqual(
        failed
          .filter((_, index) => index % 3 === 0)
          .map((job) => job.id)
          .sort()
          .reverse(),
      );
      expect(await other.raw.zcard(`${other.prefix}::sy:failed:q`)).toBe(20);
      expect(await other.raw.zcard(`${other.prefix}::sy:cancelled:q`)).toBe(10);
    } finally {
      await other.close();
    }
  });
});

describe('bullmq search: cursors and stale entries', () => {
  it('refuses a cursor it did not hand out', async () => {
    await expect(h.adapter.jobs.list({ limit: 5, scanLimit: 10, cursor: '!!' })).rejects.toBeInstanceOf(
      InvalidOptionsError,
    );
  });

  it('skips a job deleted behind its back and drops its index entry', async () => {
    const other = await startHarness();
    try {
      const jobs = [newJob({ queue: 'q' }), newJob({ queue: 'q' }), newJob({ queue: 'q' })];
      await other.adapter.enqueue(jobs);
      const gone = jobs[1]?.id as string;
      // What BullMQ's retention does: the hash and the set entry go, the adapter is not told.
      await other.raw.del(`${other.prefix}:q:${gone}`);
      await other.raw.zrem(`${other.prefix}:q:prioritized`, gone);
      const page = await other.adapter.jobs.list({ limit: 10, scanLimit: 10 });
      expect(page.jobs.map((job) => job.id)).toEqual([jobs[2]?.id, jobs[0]?.id]);
      expect(await other.raw.zscore(`${other.prefix}::sy:ids:q`, gone)).toBeNull();
      expect(await other.raw.zcard(`${other.prefix}::sy:ids:q`)).toBe(2);
    } finally {
      await other.close();
    }
  });

  it('indexes every stored job once, in its queue, and no job that was deduplicated', async () => {
    const other = await startHarness();
    try {
      const first = newJob({ queue: 'q', uniqueKey: 'k' });
      const dedup = newJob({ queue: 'q', uniqueKey: 'k' });
      await other.adapter.enqueue([first]);
      await other.adapter.enqueue([dedup, { ...first }]);
      const page = await other.adapter.jobs.list({ limit: 10, scanLimit: 10 });
      expect(page.jobs.map((job) => job.id)).toEqual([first.id]);
      // The deduplicated id was indexed with its batch and is dropped by the first search passing it.
      expect(await other.raw.zrange(`${other.prefix}::sy:ids:q`, 0, -1)).toEqual([first.id]);
    } finally {
      await other.close();
    }
  });
});
