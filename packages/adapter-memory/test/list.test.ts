import { InvalidOptionsError, type JobRecord, newJobId } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, holdLeases, startHarness } from './harness.js';

async function allPages(h: Harness, query: { limit: number; queue?: string }): Promise<JobRecord[][]> {
  const pages: JobRecord[][] = [];
  let cursor: string | undefined;
  do {
    const page = await h.adapter.jobs.list({ ...query, cursor });
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
    expect((await h.adapter.jobs.list({})).jobs).toHaveLength(25);
  });

  it('keeps the next page stable while new jobs arrive', async () => {
    h = await startHarness();
    const jobs = Array.from({ length: 12 }, () => h.job());
    await h.adapter.enqueue(jobs);
    const first = await h.adapter.jobs.list({ limit: 5 });
    await h.adapter.enqueue(Array.from({ length: 7 }, () => h.job()));
    const second = await h.adapter.jobs.list({ limit: 5, cursor: first.nextCursor });
    await h.adapter.enqueue(Array.from({ length: 3 }, () => h.job()));
    const third = await h.adapter.jobs.list({ limit: 5, cursor: second.nextCursor });
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
    expect((await h.adapter.jobs.list({})).jobs.map((job) => job.id)).toEqual([b.id, old.id]);
  });

  it('filters by state, task and queue', async () => {
    h = await startHarness();
    const mail = h.job({ queue: 'mail', task: 'send' });
    const mail2 = h.job({ queue: 'mail', task: 'bounce' });
    const other = h.job({ queue: 'other', task: 'send' });
    await h.adapter.enqueue([mail, mail2, other]);
    const held = holdLeases(h.adapter, ['other']);
    await h.flush();
    const ids = async (query: object) => (await h.adapter.jobs.list(query)).jobs.map((job) => job.id);
    expect(await ids({ queue: 'mail' })).toEqual([mail2.id, mail.id]);
    expect(await ids({ task: 'send' })).toEqual([other.id, mail.id]);
    expect(await ids({ state: 'running' })).toEqual([other.id]);
    expect(await ids({ state: 'pending', task: 'send' })).toEqual([mail.id]);
    expect(held.leases).toHaveLength(1);
    const filteredPages = await allPages(h, { limit: 1, queue: 'mail' });
    expect(filteredPages.map((page) => page.map((job) => job.id))).toEqual([[mail2.id], [mail.id]]);
  });

  it('clamps the page size to 1000 and rejects bad input', async () => {
    h = await startHarness();
    await h.adapter.enqueue(Array.from({ length: 1005 }, () => h.job()));
    const page = await h.adapter.jobs.list({ limit: 5000 });
    expect(page.jobs).toHaveLength(1000);
    expect(page.nextCursor).toBeDefined();
    await expect(h.adapter.jobs.list({ cursor: 'garbage' })).rejects.toBeInstanceOf(InvalidOptionsError);
    await expect(h.adapter.jobs.list({ limit: 0 })).rejects.toBeInstanceOf(InvalidOptionsError);
  });
});
