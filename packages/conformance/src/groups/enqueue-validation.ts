/** Enqueue stores exactly what was asked, verified through the backdoor as well as the API. */
import { describe, expect } from 'vitest';
import { type SuiteEnv, scopedTest } from '../harness.js';
import { EventLog } from '../states.js';
import { echoTask, lowPriorityTask, otherQueueTask } from '../tasks.js';

/** Registers the `enqueue-validation` group of the conformance suite. */
export function registerEnqueueValidation(env: SuiteEnv): void {
  describe('enqueue-validation', () => {
    scopedTest(env, 'enqueue stores a pending job with the task defaults', async (scope) => {
      const yard = await scope.yard();
      const log = new EventLog(yard);
      const before = Date.now();
      const { id } = await yard.enqueue(echoTask, { n: 1, label: 'a' });
      const job = await yard.jobs.get(id);
      expect(job).toMatchObject({
        id,
        task: echoTask.name,
        queue: 'default',
        state: 'pending',
        payload: { n: 1, label: 'a' },
        priority: 5,
        attempt: 0,
        maxAttempts: 3,
      });
      expect(job!.createdAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(job!.runAt.getTime()).toBeLessThanOrEqual(Date.now() + 50);
      expect(await env.module.readRawState(scope.context(), id)).toBe('pending');
      expect((await yard.jobs.counts()).pending).toBe(1);
      expect(log.names(id)).toEqual(['job:enqueued']);
      log.expectLegalSequences();
    });

    scopedTest(env, 'enqueue options override queue, priority, attempts and metadata', async (scope) => {
      const yard = await scope.yard();
      const { id } = await yard.enqueue(
        echoTask,
        { n: 2 },
        { queue: 'custom', priority: 1, retry: { attempts: 7 }, metadata: { tenant: 'acme' } },
      );
      const job = await yard.jobs.get(id);
      expect(job).toMatchObject({ queue: 'custom', priority: 1, maxAttempts: 7, state: 'pending' });
      expect(job!.metadata.tenant).toBe('acme');
      const unlimited = await yard.enqueue(echoTask, { n: 3 }, { retry: { attempts: 'unlimited' } });
      expect((await yard.jobs.get(unlimited.id))!.maxAttempts).toBeNull();
      const other = await yard.enqueue(otherQueueTask, { n: 4 });
      expect(await yard.jobs.get(other.id)).toMatchObject({ queue: 'other', priority: 2 });
      const low = await yard.enqueue(lowPriorityTask, { n: 5 });
      expect((await yard.jobs.get(low.id))!.priority).toBe(8);
      expect((await yard.jobs.counts({ queue: 'custom' })).pending).toBe(1);
    });

    scopedTest(env, 'a delayed job is stored as scheduled with its runAt', async (scope) => {
      const yard = await scope.yard();
      const before = Date.now();
      const { id } = await yard.enqueue(echoTask, { n: 1 }, { delay: '1h' });
      const job = await yard.jobs.get(id);
      expect(job!.state).toBe('scheduled');
      expect(job!.runAt.getTime()).toBeGreaterThanOrEqual(before + 3_600_000);
      expect(job!.runAt.getTime()).toBeLessThanOrEqual(Date.now() + 3_600_000);
      expect(await env.module.readRawState(scope.context(), id)).toBe('scheduled');
      const runAt = new Date(Date.now() + 3_600_000);
      const explicit = await yard.enqueue(echoTask, { n: 2 }, { runAt });
      const stored = await yard.jobs.get(explicit.id);
      expect(stored!.state).toBe('scheduled');
      expect(stored!.runAt.getTime()).toBe(runAt.getTime());
      expect((await yard.jobs.counts()).scheduled).toBe(2);
    });

    scopedTest(env, 'enqueueMany stores every job, ids in payload order', async (scope) => {
      const yard = await scope.yard();
      const log = new EventLog(yard);
      const ids = (await yard.enqueueMany(echoTask, [{ n: 0 }, { n: 1 }, { n: 2 }, { n: 3 }])).map(
        ({ id }) => id,
      );
      expect(new Set(ids).size).toBe(4);
      for (const [n, id] of ids.entries()) {
        expect((await yard.jobs.get(id))!.payload).toEqual({ n });
        expect(await env.module.readRawState(scope.context(), id)).toBe('pending');
      }
      expect((await yard.jobs.counts()).pending).toBe(4);
      expect(log.count('job:enqueued')).toBe(4);
    });

    scopedTest(env, 'enqueue by task name validates and stores like enqueue by definition', async (scope) => {
      const yard = await scope.yard();
      const { id } = await yard.enqueue(echoTask.name, { n: 9 });
      expect(await yard.jobs.get(id)).toMatchObject({
        task: echoTask.name,
        payload: { n: 9 },
        state: 'pending',
      });
      expect(await env.module.readRawState(scope.context(), id)).toBe('pending');
    });
  });
}
