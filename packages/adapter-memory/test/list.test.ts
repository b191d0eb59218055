import {
  InvalidOptionsError,
  type JobRecord,
  type ListJobsQuery,
  newJobId,
  normalizeListQuery,
} from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, holdLeases, startHarness } from './harness.js';

/** Lists through the adapter with a query core validated, as the yard does. */
function list(h: Harness, query: ListJobsQuery, scanLimit?: number) {
  const normalized = normalizeListQuery(query);
  return h.adapter.jobs.list(scanLimit === undefined ? normalized : { ...normalized, scanLimit });
}

async function allPages(h: Harness, query: { limit: number; queue?: string }): Promise<JobRecord[][]> {
  const pages: JobRecord[][] = [];
  let cursor: string | undefined;
  do {
    const page = await list(h, { ...query, ...(cursor !== undefined ? { cursor } : {}) });
    pages.push(page.jobs);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return pages;
}

describe('memory adapter: jobs.list', () => {
  let h: Harness;
  afterEach(async () => {
    await h.adapter.close();
  });

  it('pages newest first with a cursor, and ends without one', async () => {
    h = await startHarness();
    const jobs = [];
    for (let index = 0; index < 25; index++) {
      jobs.push(h.job());
      await h.clock.advance(1);
    }
    await h.adapter.enqueue(jobs);
    const pages = await allPages(h, { limit: 10 });
    expect(pages.map((page) => page.length)).toEqual([10, 10, 5]);
    expect(pages.flat().map((job) => job.id)).toEqual(jobs.map((job) => job.id).reverse());
    expect((await list(h, {})).jobs).toHaveLength(25);
  });

  it('keeps the next page stable while new jobs arrive', async () => {
    h = await startHarness();
    const jobs = Array.from({ length: 12 }, () => h.job());
    await h.adapter.enqueue(jobs);
    const first = await list(h, { limit: 5 });
    await h.adapter.enqueue(Array.from({ length: 7 }, () => h.job()));
    const second = await list(h, { limit: 5, cursor: first.nextCursor });
    await h.adapter.enqueue(Array.from({ length: 3 }, () => h.job()));
    const third = await list(h, { limit: 5, cursor: second.nextCursor });
    expect(third.nextCursor).toBeUndefined();
    expect([...first.jobs, ...second.jobs, ...third.jobs].map((job) => job.id)).toEqual(
      jobs.map((job) => job.id).reverse(),
    );
  });

  it('skips removed jobs and places out-of-order ids by id', async () => {
    h = await startHarness();
    const old = h.job({ id: newJobId(h.clock.now() - 60_000) });
    const a = h.job();
    const b = h.job();
    await h.adapter.enqueue([a, b]);
    await h.adapter.enqueue([old]);
    await h.adapter.jobs.remove(a.id);
    expect((await list(h, {})).jobs.map((job) => job.id)).toEqual([b.id, old.id]);
  });

  it('filters by state, task and queue', async () => {
    h = await startHarness();
    const mail = h.job({ queue: 'mail', task: 'send' });
    const mail2 = h.job({ queue: 'mail', task: 'bounce' });
    const other = h.job({ queue: 'other', task: 'send' });
    await h.adapter.enqueue([mail, mail2, other]);
    const held = holdLeases(h.adapter, ['other']);
    await h.flush();
    const ids = async (query: object) => (await list(h, query)).jobs.map((job) => job.id);
    expect(await ids({ queue: 'mail' })).toEqual([mail2.id, mail.id]);
    expect(await ids({ task: 'send' })).toEqual([other.id, mail.id]);
    expect(await ids({ state: 'running' })).toEqual([other.id]);
    expect(await ids({ state: 'pending', task: 'send' })).toEqual([mail.id]);
    expect(held.leases).toHaveLength(1);
    const filteredPages = await allPages(h, { limit: 1, queue: 'mail' });
    expect(filteredPages.map((page) => page.map((job) => job.id))).toEqual([[mail2.id], [mail.id]]);
  });

  it('serves pages of up to 1000 and rejects a bad cursor', async () => {
    h = await startHarness();
    await h.adapter.enqueue(Array.from({ length: 1005 }, () => h.job()));
    const page = await list(h, { limit: 1000 });
    expect(page.jobs).toHaveLength(1000);
    expect(page.nextCursor).toBeDefined();
    await expect(list(h, { cursor: 'garbage' })).rejects.toBeInstanceOf(InvalidOptionsError);
  });

  it('stops at the scan budget with a cursor that continues where the scan stopped', async () => {
    h = await startHarness();
    const match = h.job({ metadata: { tenant: 'a' } });
    await h.adapter.enqueue([match]);
    await h.clock.advance(1);
    await h.adapter.enqueue(Array.from({ length: 30 }, () => h.job({ metadata: { tenant: 'b' } })));
    const first = await list(h, { metadata: { tenant: 'a' } }, 10);
    expect(first.jobs).toEqual([]);
    expect(first.nextCursor).toBeDefined();
    const ids: string[] = [];
    let cursor = first.nextCursor;
    let pages = 1;
    while (cursor !== undefined) {
      const page = await list(h, { metadata: { tenant: 'a' }, cursor }, 10);
      ids.push(...page.jobs.map((job) => job.id));
      cursor = page.nextCursor;
      pages++;
    }
    expect(ids).toEqual([match.id]);
    expect(pages).toBe(4);
  });

  it('filters by several states, creation time, metadata and payload keys', async () => {
    h = await startHarness();
    const early = h.job({ payload: { user: 1, tags: ['x'] }, metadata: { tenant: 'a' } });
    await h.clock.advance(1000);
    const late = h.job({ payload: { user: 2, tags: ['x'] }, metadata: { tenant: 'b' } });
    await h.adapter.enqueue([early, late]);
    const held = holdLeases(h.adapter, ['default']);
    await h.flush();
    const ids = async (query: ListJobsQuery) => (await list(h, query)).jobs.map((job) => job.id);
    const running = held.leases[0]!.job.id;
    const pending = running === early.id ? late.id : early.id;
    expect(await ids({ state: ['running', 'pending'] })).toEqual([late.id, early.id]);
    expect(await ids({ state: ['pending'] })).toEqual([pending]);
    expect(await ids({ createdAfter: early.createdAt.getTime() + 1 })).toEqual([late.id]);
    expect(await ids({ createdBefore: late.createdAt })).toEqual([early.id]);
    expect(await ids({ metadata: { tenant: 'b' } })).toEqual([late.id]);
    expect(await ids({ payload: { user: 1 } })).toEqual([early.id]);
    expect(await ids({ payload: { tags: ['x'] } })).toEqual([late.id, early.id]);
    expect(await ids({ payload: { tags: ['y'] } })).toEqual([]);
    expect(await ids({ payload: { missing: null } })).toEqual([]);
  });
});
