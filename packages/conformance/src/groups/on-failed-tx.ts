/**
 * Where `onFailed` runs relative to the failure. With `capabilities.failHookInTransaction`
 * it receives `tx`, the transaction that marks the job failed: what it writes with it
 * (here: a job enqueued with `{ tx }`) becomes visible together with the failure, and
 * rolls back when the hook throws (the job still ends failed). Without the capability it
 * runs after the failure is stored and gets no `tx`.
 */
import { defineTask, type FailureInfo, newJobId, type Switchyard } from '@switchyard/core';
import { expect } from 'vitest';
import { gatedDescribe, type SuiteEnv, scopedTest } from '../harness.js';
import { waitForState } from '../job-waits.js';
import { ALL_TASKS, echoTask, numbered } from '../tasks.js';
import { createGate, waitUntil } from '../wait.js';

/** A task whose only attempt fails; its onFailed hook is whatever the test sets. */
function failingTask(name: string, onFailed: (payload: { n: number }, info: FailureInfo) => Promise<void>) {
  return defineTask({
    name,
    queue: 'failing',
    schema: numbered,
    retry: { attempts: 1 },
    timeout: '30s',
    handler: () => {
      throw new Error('this job fails on purpose');
    },
    onFailed,
  });
}

/** Registers the `on-failed-tx` group of the conformance suite. */
export function registerOnFailedTx(env: SuiteEnv): void {
  gatedDescribe(env, 'on-failed-tx', 'on-failed-tx', () => {
    scopedTest(
      env,
      "the hook's writes through tx become visible with the failure, not before",
      async (scope) => {
        const auditId = newJobId();
        const inHook = createGate();
        const finishHook = scope.gate();
        let yard!: Switchyard;
        const task = failingTask('conformance.fails-with-tx', async (payload, { tx }) => {
          expect(tx).toBeDefined();
          await yard.enqueue(echoTask, { n: payload.n }, { tx, id: auditId });
          inHook.open();
          await finishHook.opened;
        });
        yard = await scope.yard({ tasks: [...ALL_TASKS, task] });
        const observer = await scope.yard({ tasks: [...ALL_TASKS, task] });
        await scope.worker(yard, { queues: ['failing'] });
        const { id } = await yard.enqueue(task, { n: 7 });
        await inHook.opened;
        // Inside the hook: neither the failure nor the hook's write is committed yet.
        expect(await env.module.readRawState(scope.context(), id)).toBe('running');
        expect(await observer.jobs.get(auditId)).toBeNull();
        finishHook.open();
        const failed = await waitForState(observer, id, 'failed', scope.ms(5000));
        expect(failed.error?.message).toContain('fails on purpose');
        expect(await observer.jobs.get(auditId)).toMatchObject({ task: echoTask.name, payload: { n: 7 } });
      },
    );

    scopedTest(
      env,
      'a hook that throws rolls its writes back; the job still ends failed, once',
      async (scope) => {
        const auditId = newJobId();
        let calls = 0;
        let yard!: Switchyard;
        const task = failingTask('conformance.fails-hook-throws', async (payload, { tx }) => {
          calls++;
          await yard.enqueue(echoTask, { n: payload.n }, { tx, id: auditId });
          throw new Error('the hook fails after writing');
        });
        yard = await scope.yard({ tasks: [...ALL_TASKS, task] });
        await scope.worker(yard, { queues: ['failing'] });
        const { id } = await yard.enqueue(task, { n: 8 });
        const failed = await waitForState(yard, id, 'failed', scope.ms(5000));
        expect(failed.error?.message).toContain('fails on purpose');
        expect(await yard.jobs.get(auditId)).toBeNull();
        expect(calls).toBe(1);
      },
    );
  });

  gatedDescribe(env, 'on-failed-tx/after-status', 'on-failed-tx (after the status change)', () => {
    scopedTest(env, 'onFailed runs after the failure is stored and gets no tx', async (scope) => {
      let seen: { state: string | undefined; tx: unknown } | undefined;
      let yard!: Switchyard;
      const task = failingTask('conformance.fails-after', async (_payload, { job, tx }) => {
        seen = { state: (await yard.jobs.get(job.id))?.state, tx };
      });
      yard = await scope.yard({ tasks: [...ALL_TASKS, task] });
      await scope.worker(yard, { queues: ['failing'] });
      const { id } = await yard.enqueue(task, { n: 9 });
      await waitForState(yard, id, 'failed', scope.ms(5000));
      await waitUntil(() => seen, scope.ms(5000), 'the onFailed hook to run');
      expect(seen).toEqual({ state: 'failed', tx: undefined });
    });
  });
}
