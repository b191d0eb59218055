/** One contract, both job-state stores: Redis (real server) and in-memory. */
import { type JobStateStore, memoryStore, redisStore } from '@switchyard/adapter-sqs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { keyPrefixOf, REDIS_URL } from './conformance-adapter.js';
import { dropUsedPrefixes, newPrefix, testClient } from './support.js';

const stores: JobStateStore[] = [];
afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
});
afterEach(async (context) => {
  await dropUsedPrefixes(!context.task.result?.errors?.length);
});

const factories: Array<[string, () => Promise<JobStateStore>]> = [
  ['memory', async () => memoryStore()],
  [
    'redis',
    async () => {
      await testClient(); // checks Redis is reachable, naming REDIS_URL when not
      const store = redisStore({ url: REDIS_URL, keyPrefix: keyPrefixOf(newPrefix()) });
      await store.connect();
      stores.push(store);
      return store;
    },
  ],
];

function write(id: string, overrides: Partial<Parameters<JobStateStore['insertJobs']>[0][number]> = {}) {
  return {
    id,
    data: `{"id":"${id}"}`,
    state: 'pending' as const,
    queue: 'q',
    task: 't',
    uniqueKey: '',
    runAt: 0,
    createdAt: 0,
    priority: 5,
    attempt: 0,
    ...overrides,
  };
}

describe.each(factories)('%s job-state store', (_name, create) => {
  it('inserts atomically per batch, reporting taken ids and held unique keys as duplicates', async () => {
    const store = await create();
    expect(
      await store.insertJobs([write('a1', { uniqueKey: 'k' }), write('a2', { uniqueKey: 'k' }), write('a1')]),
    ).toEqual([
      { created: true },
      { created: false, existingJobId: 'a1' },
      { created: false, existingJobId: 'a1' },
    ]);
    expect(await store.getJob('a2')).toBeNull();
    expect(await store.getJob('a1')).toMatchObject({
      id: 'a1',
      version: 1,
      state: 'pending',
      uniqueKey: 'k',
    });
  });

  it('updates only on the expected version, moving counts and freeing the unique key at a terminal state', async () => {
    const store = await create();
    await store.insertJobs([write('b1', { uniqueKey: 'u' })]);
    expect(await store.updateJob(7, write('b1', { state: 'running' }))).toBeNull();
    expect(await store.updateJob(1, write('b1', { state: 'running' }))).toBe(2);
    expect((await store.countJobs('q')).running).toBe(1);
    expect(await store.insertJobs([write('b2', { uniqueKey: 'u' })])).toEqual([
      { created: false, existingJobId: 'b1' },
    ]);
    expect(await store.updateJob(2, write('b1', { state: 'completed', finishedAt: 1_000 }))).toBe(3);
    expect(await store.countJobs()).toMatchObject({ running: 0, completed: 1 });
    expect(await store.finishedBefore(1_000, 10)).toEqual(['b1']);
    expect(await store.finishedBefore(999, 10)).toEqual([]);
    expect(await store.insertJobs([write('b2', { uniqueKey: 'u' })])).toEqual([{ created: true }]);
  });

  it('claims several jobs in one call: per job a new version, null when it moved on, paused when its queue is', async () => {
    const store = await create();
    await store.insertJobs([write('d1'), write('d2'), write('d3', { queue: 'held' }), write('d4')]);
    await store.setQueuePaused('held', true);
    const running = { state: 'running' as const };
    expect(
      await store.claimJobs?.([
        { expectedVersion: 1, job: write('d1', running) },
        { expectedVersion: 5, job: write('d2', running) },
        { expectedVersion: 1, job: write('d3', { ...running, queue: 'held' }) },
        { expectedVersion: 1, job: write('missing', running) },
      ]),
    ).toEqual([2, null, 'paused', null]);
    expect(await store.getJobs(['d1', 'd2', 'd3', 'missing'])).toEqual([
      expect.objectContaining({ id: 'd1', version: 2, state: 'running' }),
      expect.objectContaining({ id: 'd2', version: 1, state: 'pending' }),
      expect.objectContaining({ id: 'd3', version: 1, state: 'pending' }),
      null,
    ]);
    expect(await store.countJobs()).toMatchObject({ pending: 3, running: 1 });
  });

  it('writes several jobs in one call, compare-and-set per job, whatever the pause flags', async () => {
    const store = await create();
    await store.insertJobs([write('e1', { queue: 'held' }), write('e2')]);
    await store.setQueuePaused('held', true);
    expect(
      await store.updateJobs?.([
        { expectedVersion: 1, job: write('e1', { state: 'completed', queue: 'held', finishedAt: 5 }) },
        { expectedVersion: 3, job: write('e2', { state: 'completed', finishedAt: 5 }) },
      ]),
    ).toEqual([2, null]);
    expect(await store.finishedBefore(5, 10)).toEqual(['e1']);
  });

  it('scans ids newest first below a cursor, filtering on indexed fields, within the examine budget', async () => {
    const store = await create();
    await store.insertJobs([
      write('c1'),
      write('c2', { queue: 'other' }),
      write('c3'),
      write('c4', { task: 'x' }),
    ]);
    const ids = async (scan: Parameters<JobStateStore['scanJobs']>[0]) => {
      const result = await store.scanJobs(scan);
      return {
        ids: result.jobs.map((job) => job.id),
        examined: result.examined,
        last: result.last,
        exhausted: result.exhausted,
      };
    };
    expect(await ids({ examine: 2, want: 10 })).toEqual({
      ids: ['c4', 'c3'],
      examined: 2,
      last: 'c3',
      exhausted: false,
    });
    expect(await ids({ before: 'c3', examine: 10, want: 10 })).toEqual({
      ids: ['c2', 'c1'],
      examined: 2,
      last: 'c1',
      exhausted: true,
    });
    expect((await ids({ queue: 'other', examine: 10, want: 10 })).ids).toEqual(['c2']);
    expect((await ids({ task: 'x', examine: 10, want: 10 })).ids).toEqual(['c4']);
    expect((await ids({ states: ['pending'], examine: 10, want: 2 })).ids).toEqual(['c4', 'c3']);
    expect(await store.deleteJob('c3')).toBe(true);
    expect(await store.deleteJob('c3')).toBe(false);
    expect((await store.countJobs()).pending).toBe(3);
    expect((await ids({ examine: 10, want: 10 })).ids).toEqual(['c4', 'c2', 'c1']);
  });

  it('keeps queues, pause flags and schedules, with compare-and-set on schedules', async () => {
    const store = await create();
    await store.addQueues(['a']);
    await store.setQueuePaused('b', true);
    expect(await store.listQueues()).toEqual(['a', 'b']);
    expect([...(await store.pausedQueues())]).toEqual(['b']);
    await store.setQueuePaused('b', false);
    expect((await store.pausedQueues()).size).toBe(0);
    await store.putSchedule('s', 'v1');
    expect(await store.swapSchedule('s', 'v0', 'v2')).toBe(false);
    expect(await store.swapSchedule('s', 'v1', 'v2')).toBe(true);
    expect(await store.getSchedule('s')).toBe('v2');
    expect(await store.listSchedules()).toEqual(['v2']);
    expect(await store.removeSchedule('s')).toBe(true);
    expect(await store.getSchedule('s')).toBeNull();
  });
});
