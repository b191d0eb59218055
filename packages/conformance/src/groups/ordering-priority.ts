/**
 * Among ready jobs of one queue: priority ascending, then runAt, then enqueue order.
 * With `capabilities.ordering: 'best-effort'` (e.g. SQS FIFO queues, ordered per message group) the same tests
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

/** A job as the test enqueued it: the priority it asked for and the window its runAt must fall in. */
interface Intended {
  id: string;
  label: string;
  priority: number;
  runAtFrom: number;
  runAtTo: number;
}

/**
 * Reads the stored records and checks them against what was asked, so the expected order
 * is computed from the test's intent, never from a wrong write read back consistently.
 */
async function storedAsIntended(yard: Switchyard, enqueued: Intended[]) {
  return Promise.all(
    enqueued.map(async (job, index) => {
      const record = (await yard.jobs.get(job.id))!;
      expect(record.priority, `stored priority of ${job.label}`).toBe(job.priority);
      expect(record.runAt.getTime(), `stored runAt of ${job.label}`).toBeGreaterThanOrEqual(job.runAtFrom);
      expect(record.runAt.getTime(), `stored runAt of ${job.label}`).toBeLessThanOrEqual(job.runAtTo);
      return { record, index, label: job.label };
    }),
  );
}

/** Registers the `ordering-priority` group of the conformance suite. */
export function registerOrderingPriority(env: SuiteEnv): void {
  describe('ordering-priority', () => {
    scopedTest(
      env,
      'mixed priorities and run-at times run in exact order at concurrency 1',
      async (scope) => {
        const yard = await scope.yard();
        const log = new EventLog(yard);
        const enqueued: Intended[] = [];
        const add = async (
          label: string,
          task: typeof echoTask,
          options: { priority?: number; delay?: number },
        ): Promise<void> => {
          const before = Date.now();
          const { id } = await yard.enqueue(task, { n: 0, label }, options);
          const delay = options.delay ?? 0;
          enqueued.push({
            id,
            label,
            priority: options.priority ?? task.priority,
            runAtFrom: before + delay,
            runAtTo: Date.now() + delay,
          });
        };
        await add('p5-delayed', echoTask, { delay: scope.ms(150) });
        await add('p5-a', echoTask, {});
        await add('p1-a', echoTask, { priority: 1 });
        await add('task-p8', lowPriorityTask, {});
        await add('p9', echoTask, { priority: 9 });
        await add('p1-delayed', echoTask, { priority: 1, delay: scope.ms(100) });
        const batchFrom = Date.now();
        const batch = await yard.enqueueMany(
          echoTask,
          ['m0', 'm1', 'm2'].map((label) => ({ n: 0, label })),
        );
        const batchTo = Date.now();
        for (const [index, { id }] of batch.entries()) {
          enqueued.push({ id, label: `m${index}`, priority: 5, runAtFrom: batchFrom, runAtTo: batchTo });
        }
        await add('p0-delayed', echoTask, { priority: 0, delay: scope.ms(250) });
        await add('p5-b', echoTask, {});
        const stored = await storedAsIntended(yard, enqueued);
        const expected = expectedRunOrder(stored);
        // Every job is due before the single worker starts, so order is decided by the queue alone.
        const latestRunAt = Math.max(...stored.map(({ record }) => record.runAt.getTime()));
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
