/**
 * `jobs.list` with filters on 3,000 jobs whose every field the test chose (and whose states it
 * set with raw SQL), so the expected pages come from the test's own model through core's
 * reference predicate, never from the adapter. Pages are followed through their cursors with
 * a low scan budget, so most pages stop at the budget and continue.
 */
import {
  type FilterableJob,
  type JobState,
  jobMatchesFilter,
  type ListJobsQuery,
  type NewJob,
  newJobId,
  normalizeListQuery,
  type QueueAdapterV2,
} from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertDatabaseReachable } from './database-url.js';
import { newJob, PgTestScope } from './helpers.js';

const JOBS = 3000;
const HOUR = 3_600_000;

interface ModelJob extends FilterableJob {
  id: string;
}

let scope: PgTestScope;
let adapter: QueueAdapterV2;
const model: ModelJob[] = [];

/** The final state of job `i` (first rule that applies). */
function stateOf(i: number, scheduled: boolean): JobState {
  if (i % 37 === 4) return 'running';
  if (i % 41 === 6) return 'retrying';
  if (i % 43 === 7) return 'pending'; // a retry that is due
  if (i % 23 === 3) return 'cancelled';
  if (i % 5 === 1) return 'completed';
  if (i % 5 === 2) return 'failed';
  return scheduled ? 'scheduled' : 'pending';
}

function payloadOf(i: number): unknown {
  if (i % 29 === 0) return [i];
  if (i % 31 === 0) return `text ${i}`;
  const payload: Record<string, unknown> = {
    n: i,
    kind: ['a', 'b', 'c'][i % 3],
    // Most users have a name; some only an id, so containment ({ id }) and equality differ.
    user: i % 19 === 0 ? { id: i % 10 } : { id: i % 10, name: `u${i % 10}` },
    tags: i % 2 ? ['x', 'y'] : ['y', 'x'],
  };
  if (i % 17 === 0) payload.opt = null;
  return payload;
}

beforeAll(async () => {
  await assertDatabaseReachable();
  scope = new PgTestScope();
  adapter = await scope.adapter();
  const now = Date.now();
  const createdBase = now - 10 * HOUR;
  const finishedBase = now - 5 * HOUR;
  const jobs: NewJob[] = [];
  for (let i = 0; i < JOBS; i++) {
    const scheduled = i % 11 === 0;
    // Creation times shuffled against the ids, so created filters cannot lean on id order.
    const createdAt = new Date(createdBase + ((i * 7919) % JOBS) * 1000);
    const metadata: Record<string, string> = i % 13 === 0 ? {} : { tenant: `t${i % 5}` };
    if (i % 250 === 0) metadata.rare = 'yes';
    jobs.push(
      newJob({
        id: newJobId(now - JOBS + i),
        queue: i % 97 === 0 ? 'rare' : ['emails', 'reports', 'billing'][i % 3]!,
        task: `task${i % 4}`,
        payload: payloadOf(i),
        metadata,
        createdAt,
        runAt: scheduled ? new Date(now + HOUR) : createdAt,
      }),
    );
  }
  for (let start = 0; start < JOBS; start += 1000) await adapter.enqueue(jobs.slice(start, start + 1000));

  const byState = new Map<JobState, number[]>();
  for (let i = 0; i < JOBS; i++) {
    const state = stateOf(i, i % 11 === 0);
    byState.set(state, [...(byState.get(state) ?? []), i]);
  }
  const s = scope.schema;
  const ids = (state: JobState) => (byState.get(state) ?? []).map((i) => jobs[i]!.id);
  const finishTimes = (state: JobState) =>
    (byState.get(state) ?? []).map((i) => new Date(finishedBase + i * 1000));
  for (const state of ['completed', 'failed', 'cancelled'] as const) {
    await scope.raw.query(
      `UPDATE ${s}.job j SET state = $2::${s}.job_state, completed_on = x.at
         FROM unnest($1::uuid[], $3::timestamptz[]) AS x(id, at) WHERE j.id = x.id`,
      [ids(state), state, finishTimes(state)],
    );
  }
  await scope.raw.query(
    `UPDATE ${s}.job SET state = 'active', started_on = now(), sy_lease_token = gen_random_uuid(),
            sy_lease_expires_at = now() + interval '1 hour' WHERE id = ANY($1::uuid[])`,
    [ids('running')],
  );
  await scope.raw.query(
    `UPDATE ${s}.job SET state = 'retry', start_after = now() + interval '1 hour' WHERE id = ANY($1::uuid[])`,
    [ids('retrying')],
  );
  const dueRetries = (byState.get('pending') ?? []).filter((i) => i % 43 === 7).map((i) => jobs[i]!.id);
  await scope.raw.query(
    `UPDATE ${s}.job SET state = 'retry', start_after = now() - interval '1 minute' WHERE id = ANY($1::uuid[])`,
    [dueRetries],
  );
  await scope.raw.query(`VACUUM ANALYZE ${s}.job_common`);

  for (let i = 0; i < JOBS; i++) {
    const job = jobs[i]!;
    const state = stateOf(i, i % 11 === 0);
    const entry: ModelJob = {
      id: job.id,
      state,
      task: job.task,
      queue: job.queue,
      createdAt: job.createdAt,
      metadata: job.metadata,
      payload: job.payload,
    };
    if (state === 'completed' || state === 'failed' || state === 'cancelled')
      entry.finishedAt = new Date(finishedBase + i * 1000);
    model.push(entry);
  }
  model.sort((a, b) => (a.id < b.id ? 1 : -1));
}, 120_000);

afterAll(async () => {
  await scope?.dispose(true);
});

/** Every page of `input` (following cursors) with the given scan budget. */
async function allPages(input: ListJobsQuery, scanLimit: number) {
  const pages: Array<{ ids: string[]; nextCursor?: string }> = [];
  let cursor: string | undefined;
  do {
    const query = normalizeListQuery({ ...input, ...(cursor ? { cursor } : {}) });
    const page = await adapter.jobs.list({ ...query, scanLimit });
    pages.push({
      ids: page.jobs.map((job) => job.id),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    });
    cursor = page.nextCursor;
    if (pages.length > JOBS) throw new Error('the cursor never ends');
  } while (cursor);
  return pages;
}

function expected(input: ListJobsQuery): string[] {
  const filter = normalizeListQuery(input);
  return model.filter((job) => jobMatchesFilter(job, filter)).map((job) => job.id);
}

const created = (offsetHours: number) => new Date(Date.now() - 10 * HOUR + offsetHours * HOUR);

const QUERIES: Array<[string, ListJobsQuery]> = [
  ['no filter', {}],
  ['one indexed state', { state: 'failed' }],
  ['two indexed states', { state: ['completed', 'cancelled'] }],
  ['retrying (retry rows not yet due)', { state: 'retrying' }],
  ['pending (created and due retry rows)', { state: 'pending' }],
  ['scheduled', { state: 'scheduled' }],
  ['running', { state: 'running' }],
  ['running or failed', { state: ['running', 'failed'] }],
  ['pending or failed', { state: ['pending', 'failed'] }],
  ['queue', { queue: 'reports' }],
  ['rare queue', { queue: 'rare' }],
  ['task', { task: 'task2' }],
  ['created range', { createdAfter: created(0.2), createdBefore: created(0.5) }],
  ['finished before', { finishedBefore: new Date(Date.now() - 5 * HOUR + 1500 * 1000) }],
  ['finished before, failed only', { state: 'failed', finishedBefore: new Date(Date.now() - 4 * HOUR) }],
  ['finished before, waiting states only', { state: 'pending', finishedBefore: new Date() }],
  ['metadata', { metadata: { tenant: 't3' } }],
  ['two metadata keys', { metadata: { tenant: 't0', rare: 'yes' } }],
  ['payload string', { payload: { kind: 'b' } }],
  ['payload object, key order ignored', { payload: { user: { name: 'u4', id: 4 } } }],
  ['payload object is equality, not containment', { payload: { user: { id: 4 } } }],
  ['payload array, order matters', { payload: { tags: ['y', 'x'] } }],
  ['payload null value', { payload: { opt: null } }],
  ['payload number', { payload: { n: 1234 } }],
  ['queue + state + metadata', { queue: 'emails', state: 'failed', metadata: { tenant: 't2' } }],
  ['task + created + payload', { task: 'task1', createdAfter: created(0.3), payload: { kind: 'a' } }],
  [
    'everything',
    {
      state: ['completed', 'failed'],
      queue: 'billing',
      task: 'task2',
      createdBefore: created(0.8),
      finishedBefore: new Date(),
      metadata: { tenant: 't1' },
      payload: { kind: 'c' },
    },
  ],
];

describe('jobs.list filters', () => {
  it.each(QUERIES)('%s: every page through the cursor equals the reference filter', async (_name, input) => {
    const want = expected(input);
    for (const [limit, scanLimit] of [
      [50, 5000],
      [20, 97],
    ] as const) {
      const pages = await allPages({ ...input, limit }, scanLimit);
      expect(pages.flatMap((page) => page.ids)).toEqual(want);
      for (const page of pages) expect(page.ids.length).toBeLessThanOrEqual(limit);
    }
  });

  it('the reference data covers every case the queries name', () => {
    for (const [name, input] of QUERIES) {
      if (name.startsWith('finished before, waiting')) expect(expected(input)).toEqual([]);
      else expect(expected(input).length, name).toBeGreaterThan(0);
    }
  });

  it('a filter that matches nothing walks exactly scanLimit rows per page and continues after the last one', async () => {
    const pages = await allPages({ payload: { n: -1 }, limit: 50 }, 250);
    // 3,000 rows in pages of 250: twelve full budgets, each continuing after its 250th row, then an empty walk.
    expect(pages).toHaveLength(13);
    for (const page of pages) expect(page.ids).toEqual([]);
    expect(pages.slice(0, 12).map((page) => page.nextCursor)).toEqual(
      Array.from({ length: 12 }, (_, k) => model[250 * (k + 1) - 1]!.id),
    );
    expect(pages[12]!.nextCursor).toBeUndefined();
  });

  it('on the states index the budget counts only rows of those states', async () => {
    const failed = model.filter((job) => job.state === 'failed');
    const page = await adapter.jobs.list({
      ...normalizeListQuery({ state: 'failed', metadata: { tenant: 'nobody' } }),
      scanLimit: 100,
    });
    expect(page.jobs).toEqual([]);
    expect(page.nextCursor).toBe(failed[99]!.id);
  });

  it('a full page continues after its last job, a partial one after the last row walked', async () => {
    const tenant3 = model.filter((job) => job.metadata.tenant === 't3');
    const full = await adapter.jobs.list({
      ...normalizeListQuery({ metadata: { tenant: 't3' }, limit: 10 }),
      scanLimit: 5000,
    });
    expect(full.jobs.map((job) => job.id)).toEqual(tenant3.slice(0, 10).map((job) => job.id));
    expect(full.nextCursor).toBe(tenant3[9]!.id);

    const partial = await adapter.jobs.list({
      ...normalizeListQuery({ metadata: { tenant: 't3' }, limit: 1000 }),
      scanLimit: 30,
    });
    expect(partial.jobs.map((job) => job.id)).toEqual(
      model
        .slice(0, 30)
        .filter((job) => job.metadata.tenant === 't3')
        .map((job) => job.id),
    );
    expect(partial.nextCursor).toBe(model[29]!.id);
  });

  it('decodes what it lists: the page holds whole job records', async () => {
    const page = await adapter.jobs.list({
      ...normalizeListQuery({ state: 'failed', limit: 1 }),
      scanLimit: 10,
    });
    const job = page.jobs[0]!;
    const source = model.find((entry) => entry.id === job.id)!;
    expect(job).toMatchObject({
      id: source.id,
      state: 'failed',
      queue: source.queue,
      task: source.task,
      payload: source.payload,
      metadata: source.metadata,
      createdAt: source.createdAt,
      finishedAt: source.finishedAt,
    });
  });

  it('a cursor that is not an id of this adapter is refused with a typed error', async () => {
    await expect(
      adapter.jobs.list({ ...normalizeListQuery({ cursor: 'not-a-uuid' }), scanLimit: 10 }),
    ).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
  });
});
