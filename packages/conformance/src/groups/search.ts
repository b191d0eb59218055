/**
 * Search: every `jobs.list` filter, alone and combined, paged with a cursor, gives
 * exactly the jobs core's reference predicate picks; the scan budget ends a page
 * early with a cursor instead of reading everything; bad filters are refused.
 */
import {
  type EnqueueOptions,
  type JobRecord,
  jobMatchesFilter,
  type ListJobsQuery,
  normalizeListQuery,
  type QueueAdapterV2,
  type Switchyard,
  type TaskDefinition,
} from '@switchyard/core';
import { expect } from 'vitest';
import { gatedDescribe, type SuiteEnv, scopedTest } from '../harness.js';
import { expectRejectsWithCode, waitForState } from '../job-waits.js';
import { echoTask, opsTask } from '../tasks.js';
import { sleep } from '../wait.js';

/** Every job of a filtered list, following cursors with a small page size. */
async function listAll(yard: Switchyard, query: ListJobsQuery, limit = 3): Promise<JobRecord[]> {
  const found: JobRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await yard.jobs.list({ ...query, limit, ...(cursor !== undefined ? { cursor } : {}) });
    found.push(...page.jobs);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return found;
}

/** Registers the `search` group of the conformance suite. */
export function registerSearch(env: SuiteEnv): void {
  gatedDescribe(env, 'operations', 'search', () => {
    scopedTest(
      env,
      'each filter and combinations match the reference predicate, across pages',
      async (scope) => {
        const yard = await scope.yard();
        const ids: string[] = [];
        const add = async (task: TaskDefinition, payload: unknown, options: EnqueueOptions) =>
          ids.push((await yard.enqueue(task, payload, options)).id);
        await add(opsTask, { n: 1, tenant: 'acme' }, { metadata: { tenant: 'acme', region: 'eu' } });
        await add(opsTask, { n: 2, tenant: 'acme' }, { metadata: { tenant: 'acme' }, delay: '1h' });
        await sleep(5); // a creation-time boundary between the first jobs and the rest
        const boundary = new Date();
        await sleep(5);
        await add(opsTask, { n: 3, tenant: 'globex' }, { metadata: { tenant: 'globex' }, queue: 'held' });
        await add(echoTask, { n: 4, label: 'x' }, { metadata: { tenant: 'acme' } });
        await add(echoTask, { n: 5 }, {});
        await add(opsTask, { n: 6, failTimes: 9 }, { retry: { attempts: 1 }, metadata: { tenant: 'acme' } });
        await scope.worker(yard, {
          queues: [opsTask.queue],
          handlers: [
            [
              opsTask,
              (payload: { failTimes?: number }) => {
                if (payload.failTimes) throw new Error('boom');
                return 'ok';
              },
            ],
          ],
        });
        await waitForState(yard, ids[0]!, 'completed', scope.ms(3000));
        await waitForState(yard, ids[5]!, 'failed', scope.ms(3000));
        const everything = await Promise.all(ids.map(async (id) => (await yard.jobs.get(id))!));
        const queries: ListJobsQuery[] = [
          { state: 'pending' },
          { state: ['completed', 'failed'] },
          { state: ['scheduled', 'pending', 'completed'] },
          { task: echoTask.name },
          { queue: 'held' },
          { createdAfter: boundary },
          { createdBefore: boundary },
          { createdAfter: boundary.getTime() - 60_000, createdBefore: boundary.toISOString() },
          { finishedBefore: new Date(Date.now() + 1000) },
          { metadata: { tenant: 'acme' } },
          { metadata: { tenant: 'acme', region: 'eu' } },
          { metadata: { tenant: 'nobody' } },
          { payload: { tenant: 'acme' } },
          { payload: { n: 4, label: 'x' } },
          { payload: { label: null } },
          { task: opsTask.name, metadata: { tenant: 'acme' }, state: ['completed', 'scheduled'] },
          { queue: opsTask.queue, payload: { tenant: 'acme' }, createdBefore: boundary },
        ];
        for (const query of queries) {
          const filter = normalizeListQuery(query);
          const expected = everything
            .filter((job) => jobMatchesFilter(job, filter))
            .map((job) => job.id)
            .sort()
            .reverse();
          const listed = (await listAll(yard, query)).map((job) => job.id);
          expect(listed, `jobs.list(${JSON.stringify(query)})`).toEqual(expected);
        }
        // Sanity: the mix covers every filter with at least one match and one miss.
        expect(everything.map((job) => job.state).sort()).toEqual(
          ['completed', 'failed', 'pending', 'pending', 'pending', 'scheduled'].sort(),
        );
      },
    );

    scopedTest(env, 'a page stops at the scan budget and its cursor continues the scan', async (scope) => {
      const yard = await scope.yard();
      const adapter = yard.adapter as QueueAdapterV2;
      const needle = await yard.enqueue(echoTask, { n: 0 }, { metadata: { find: 'me' } });
      await sleep(2);
      await yard.enqueueMany(
        echoTask,
        Array.from({ length: 40 }, (_, n) => ({ n: n + 1 })),
      );
      const query = { ...normalizeListQuery({ metadata: { find: 'me' }, limit: 10 }), scanLimit: 8 };
      const found: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await adapter.jobs.list({ ...query, ...(cursor !== undefined ? { cursor } : {}) });
        pages++;
        found.push(...page.jobs.map((job) => job.id));
        cursor = page.nextCursor;
        expect(pages, 'the scan must end').toBeLessThan(50);
      } while (cursor !== undefined);
      expect(found).toEqual([needle.id]);
      // 41 jobs, at most 8 examined per page: at least 6 pages.
      expect(pages).toBeGreaterThanOrEqual(6);
    });

    scopedTest(env, 'bad filters are refused with INVALID_OPTIONS and change nothing', async (scope) => {
      const yard = await scope.yard();
      await yard.enqueue(echoTask, { n: 1 });
      const bad: unknown[] = [
        { colour: 'red' },
        { state: 'sleeping' },
        { state: [] },
        { state: ['pending', 42] },
        { task: 'spaces are not allowed' },
        { queue: 7 },
        { createdAfter: 'not a date' },
        { createdAfter: '2030-01-01', createdBefore: '2029-01-01' },
        { finishedBefore: {} },
        { metadata: { tenant: 1 } },
        { metadata: {} },
        { metadata: 'tenant=a' },
        { payload: { fn: () => 1 } },
        { payload: [] },
        { limit: 0 },
        { limit: 1001 },
        { limit: 2.5 },
        { cursor: '' },
        'state=pending',
      ];
      for (const query of bad) {
        await expectRejectsWithCode(() => yard.jobs.list(query as ListJobsQuery), 'INVALID_OPTIONS');
      }
      expect((await yard.jobs.list({})).jobs).toHaveLength(1);
    });
  });
}
