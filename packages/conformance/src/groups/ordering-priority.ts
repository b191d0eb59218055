/**
 * Among ready jobs of one queue: priority ascending, then runAt, then enqueue order.
 * With `capabilities.ordering: 'best-effort'` (SQS standard queues) the same tests
 * assert only that every job ran exactly once — a declared difference, not a skip.
 */
import type { JobRecord, Switchyard } from '@switchyard/core';
import { describe, expect } from 'vitest';
import { hasStrictOrdering } from '../capabilities.js';
import { type SuiteEnv, scopedTest } from '../harness.js';
import { waitForState } from '../job-waits.js';
import { EventLog } from '../states.js';
import { echoTask, lowPriorityTask, otherQueueTask } from '../tasks.js';
import { createGate, sleep, waitUntil } from '../wait.js';

/** The order a strict adapter must run these jobs in: priority, then runAt, then enqueue order. */
export function expectedRunOrder(
  jobs: ReadonlyArray<{ record: JobRecord; index: number; label: string }>,
): string[] {
  return [...jobs]
    .sort(
      (a, b) =>
        a.record.priority - b.record.priority ||
        a.record.runAt.getTime() - b.record.runAt.getTime() ||
        a.index - b.index,
    )
    .map((job) => job.label);
}

/** Asserts the run order: exactly `expected` for strict adapters, the same set for best-effort ones. */
function expectOrder(env: SuiteEnv, actual: string[], expected: string[]): void {
  if (hasStrictOrdering(env.capabilities)) expect(actual).toEqual(expected);
  else expect([...actual].sort()).toEqual([...expected].sort());
}

async function recordsOf(yard: Switchyard, enqueued: Array<{ id: string; label: string }>) {
  return Promise.all(
    enqueued.map(async ({ id, label }, index) => ({ record: (await yard.jobs.get(id))!, index, label })),
  );
}

export function registerOrderingPriority(env: SuiteEnv): void {
  describe('ordering-priority', () => {
    scopedTest(
      env,
      'mixed priorities and run-at times run in exact order at concurrency 1',
      async (scope) => {
        const yard = await scope.yard();
        const log = new EventLog(yard);
        const enqueued: Array<{ id: string; label: string }> = [];
        const add = async (label: string, run: () => Promise<{ id: string }>) => {
          enqueued.push({ id: (await run()).id, label });
        };
        await add('p5-delayed', () =>
          yard.enqueue(echoTask, { n: 0, label: 'p5-delayed' }, { delay: scope.ms(150) }),
        );
        await add('p5-a', () => yard.enqueue(echoTask, { n: 0, label: 'p5-a' }));
        await add('p1-a', () => yard.enqueue(echoTask, { n: 0, label: 'p1-a' }, { priority: 1 }));
        await add('task-p8', () => yard.enqueue(lowPriorityTask, { n: 0, label: 'task-p8' }));
        await add('p9', () => yard.enqueue(echoTask, { n: 0, label: 'p9' }, { priority: 9 }));
        await add('p1-delayed', () =>
          yard.enqueue(echoTask, { n: 0, label: 'p1-delayed' }, { priority: 1, delay: scope.ms(100) }),
        );
        const batch = await yard.enqueueMany(
          echoTask,
          ['m0', 'm1', 'm2'].map((label) => ({ n: 0, label })),
        );
        for (const [index, { id }] of batch.entries()) enqueued.push({ id, label: `m${index}` });
        await add('p0-delayed', () =>
          yard.enqueue(echoTask, { n: 0, label: 'p0-delayed' }, { priority: 0, delay: scope.ms(250) }),
        );
        await add('p5-b', () => yard.enqueue(echoTask, { n: 0, label: 'p5-b' }));
        const expected = expectedRunOrder(await recordsOf(yard, enqueued));
        // Every job is due before the single worker starts, so order is decided by the queue alone.
        const latestRunAt = Math.max(
          ...(await recordsOf(yard, enqueued)).map(({ record }) => record.runAt.getTime()),
        );
        await sleep(Math.max(0, latestRunAt - Date.now()) + scope.ms(100));
        const order: string[] = [];
        await scope.worker(yard, {
          concurrency: 1,
          handlers: [
            [echoTask, (payload: { label: string }) => void order.push(payload.label)],
            [lowPriorityTask, (payload: { label: string }) => void order.push(payload.label)],
          ],
        });
        await waitUntil(
          () => order.length === enqueued.length,
          scope.ms(8000),
          `all ${enqueued.length} jobs to run`,
        );
        expectOrder(env, order, expected);
        for (const { id } of enqueued) await waitForState(yard, id, 'completed', scope.ms(2000));
        log.expectLegalSequences();
      },
    );

    scopedTest(env, 'a higher-priority job enqueued while the worker is busy runs next', async (scope) => {
      const yard = await scope.yard();
      const order: string[] = [];
      const firstStarted = createGate();
      const releaseFirst = scope.gate();
      await scope.worker(yard, {
        concurrency: 1,
        handlers: [
          [
            echoTask,
            async (payload: { label: string }) => {
              order.push(payload.label);
              if (payload.label === 'first') {
                firstStarted.open();
                await releaseFirst.opened;
              }
            },
          ],
        ],
      });
      await yard.enqueue(echoTask, { n: 0, label: 'first' });
      await firstStarted.opened;
      await yard.enqueueMany(
        echoTask,
        [
          { n: 0, label: 'low-1' },
          { n: 0, label: 'low-2' },
        ],
        { priority: 9 },
      );
      await yard.enqueue(echoTask, { n: 0, label: 'urgent' }, { priority: 0 });
      releaseFirst.open();
      await waitUntil(() => order.length === 4, scope.ms(5000), 'all 4 jobs to run');
      expectOrder(env, order, ['first', 'urgent', 'low-1', 'low-2']);
    });

    scopedTest(env, 'a worker takes jobs only from its own queues', async (scope) => {
      const yard = await scope.yard();
      const ran: string[] = [];
      const { id: defaultJob } = await yard.enqueue(echoTask, { n: 1 });
      await scope.worker(yard, {
        queues: ['other'],
        handlers: [
          [otherQueueTask, () => void ran.push('other')],
          [echoTask, () => void ran.push('default')],
        ],
      });
      const { id: otherJob } = await yard.enqueue(otherQueueTask, { n: 2 });
      await waitForState(yard, otherJob, 'completed', scope.ms(3000));
      expect(ran).toEqual(['other']);
      expect((await yard.jobs.get(defaultJob))!.state).toBe('pending');
    });
  });
}
