/** jobs.get / list (stable cursor pagination, newest first) / counts / remove, and queues.list. */
import { JOB_STATES, type JobState, type ListJobsQuery, type Switchyard } from '@switchyard/core';
import { describe, expect } from 'vitest';
import { type SuiteEnv, scopedTest } from '../harness.js';
import { echoTask, otherQueueTask } from '../tasks.js';

/** Follows `nextCursor` to the end; `between` runs after the first page (to insert jobs mid-walk). */
async function listAll(
  yard: Switchyard,
  query: ListJobsQuery,
  between?: () => Promise<void>,
): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await yard.jobs.list({ ...query, ...(cursor ? { cursor } : {}) });
    expect(page.jobs.length).toBeLessThanOrEqual(query.limit ?? 50);
    ids.push(...page.jobs.map((job) => job.id));
    cursor = page.nextCursor;
    if (++pages === 1 && between) await between();
    if (pages > 100) throw new Error('pagination does not end');
  } while (cursor);
  return ids;
}

function zeroCounts(): Record<JobState, number> {
  return Object.fromEntries(JOB_STATES.map((state) => [state, 0])) as Record<JobState, number>;
}

/** Registers the `queries` group of the conformance suite. */
export function registerQueries(env: SuiteEnv): void {
  describe('queries', () => {
    scopedTest(
      env,
      'list by state pages with a cursor: newest first, no duplicates, no gaps',
      async (scope) => {
        const yard = await scope.yard();
        const pending = (
          await yard.enqueueMany(
            echoTask,
            Array.from({ length: 23 }, (_, n) => ({ n })),
          )
        ).map((j) => j.id);
        const scheduled = (await yard.enqueueMany(echoTask, [{ n: 100 }, { n: 101 }], { delay: '1h' })).map(
          (j) => j.id,
        );
        const newestFirst = [...pending].sort().reverse();
        const listed = await listAll(yard, { state: 'pending', limit: 5 });
        expect(listed).toEqual(newestFirst);
        expect(await listAll(yard, { state: 'scheduled', limit: 5 })).toEqual(
          [...scheduled].sort().reverse(),
        );
        const everything = await listAll(yard, { limit: 7 });
        expect(new Set(everything).size).toBe(everything.length);
        expect([...everything].sort()).toEqual([...pending, ...scheduled].sort());
      },
    );

    scopedTest(env, 'pagination is stable while new jobs arrive between pages', async (scope) => {
      const yard = await scope.yard();
      const original = (
        await yard.enqueueMany(
          echoTask,
          Array.from({ length: 12 }, (_, n) => ({ n })),
        )
      ).map((j) => j.id);
      const listed = await listAll(yard, { state: 'pending', limit: 4 }, async () => {
        await yard.enqueueMany(echoTask, [{ n: 50 }, { n: 51 }, { n: 52 }]);
      });
      expect(listed).toEqual([...original].sort().reverse());
    });

    scopedTest(env, 'list filters by task and queue', async (scope) => {
      const yard = await scope.yard();
      const echo = (await yard.enqueueMany(echoTask, [{ n: 1 }, { n: 2 }])).map((j) => j.id);
      const other = (await yard.enqueueMany(otherQueueTask, [{ n: 3 }])).map((j) => j.id);
      const custom = await yard.enqueue(echoTask, { n: 4 }, { queue: 'custom' });
      expect((await listAll(yard, { task: otherQueueTask.name })).sort()).toEqual(other);
      expect((await listAll(yard, { queue: 'default' })).sort()).toEqual([...echo].sort());
      expect((await listAll(yard, { task: echoTask.name })).sort()).toEqual([...echo, custom.id].sort());
      expect(await listAll(yard, { queue: 'custom', state: 'pending' })).toEqual([custom.id]);
      expect(await listAll(yard, { queue: 'custom', state: 'completed' })).toEqual([]);
    });

    scopedTest(env, 'counts per queue and in total, every state present', async (scope) => {
      const yard = await scope.yard();
      await yard.enqueueMany(echoTask, [{ n: 1 }, { n: 2 }, { n: 3 }], { queue: 'qa' });
      await yard.enqueueMany(echoTask, [{ n: 4 }, { n: 5 }], { queue: 'qb' });
      const cancelled = await yard.enqueue(echoTask, { n: 6 }, { queue: 'qb', delay: '1h' });
      await yard.enqueue(echoTask, { n: 7 }, { queue: 'qb', delay: '1h' });
      await yard.jobs.cancel(cancelled.id);
      expect(await yard.jobs.counts({ queue: 'qa' })).toEqual({ ...zeroCounts(), pending: 3 });
      expect(await yard.jobs.counts({ queue: 'qb' })).toEqual({
        ...zeroCounts(),
        pending: 2,
        scheduled: 1,
        cancelled: 1,
      });
      expect(await yard.jobs.counts({ queue: 'nothing-here' })).toEqual(zeroCounts());
      expect(await yard.jobs.counts()).toEqual({ ...zeroCounts(), pending: 5, scheduled: 1, cancelled: 1 });
      const queues = await yard.queues.list();
      expect(queues).toEqual(expect.arrayContaining(['qa', 'qb']));
    });

    scopedTest(env, 'get of an unknown id is null; remove deletes a job once', async (scope) => {
      const yard = await scope.yard();
      expect(await yard.jobs.get('00000000-0000-7000-8000-000000000000')).toBeNull();
      const { id } = await yard.enqueue(echoTask, { n: 1 }, { uniqueKey: 'removable' });
      expect(await yard.jobs.remove(id)).toBe(true);
      expect(await yard.jobs.get(id)).toBeNull();
      expect(await env.module.readRawState(scope.context(), id)).toBeNull();
      expect(await yard.jobs.counts()).toEqual(zeroCounts());
      expect(await yard.jobs.remove(id)).toBe(false);
      // Removing frees the unique key.
      await yard.enqueue(echoTask, { n: 2 }, { uniqueKey: 'removable' });
    });
  });
}
