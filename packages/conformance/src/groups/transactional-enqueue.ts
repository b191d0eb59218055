/**
 * enqueue(..., { tx }) joins the caller's transaction: the job exists only if it commits.
 * Needs the module's `transaction(ctx, fn, { rollback })` helper.
 */
import { expect } from 'vitest';
import { gatedDescribe, type SuiteEnv, scopedTest, type TestScope } from '../harness.js';
import { expectNoJobs, waitForState } from '../job-waits.js';
import { echoTask } from '../tasks.js';

function transactionHelper(scope: TestScope) {
  const helper = scope.env.module.transaction;
  if (!helper) {
    throw new Error(
      'capabilities.transactionalEnqueue is true, so the conformance module must export ' +
        '`transaction(ctx, fn, { rollback })` (see @switchyard/conformance README)',
    );
  }
  return helper.bind(scope.env.module);
}

/** Registers the `transactional-enqueue` group of the conformance suite. */
export function registerTransactionalEnqueue(env: SuiteEnv): void {
  gatedDescribe(env, 'transactional-enqueue', 'transactional-enqueue', () => {
    scopedTest(env, 'a job enqueued in a committed transaction exists and runs', async (scope) => {
      const transaction = transactionHelper(scope);
      const yard = await scope.yard();
      const ids: string[] = [];
      await transaction(
        scope.context(),
        async (tx) => {
          ids.push((await yard.enqueue(echoTask, { n: 1 }, { tx })).id);
          ids.push(...(await yard.enqueueMany(echoTask, [{ n: 2 }, { n: 3 }], { tx })).map((job) => job.id));
        },
        { rollback: false },
      );
      for (const id of ids) expect(await env.module.readRawState(scope.context(), id)).toBe('pending');
      await scope.worker(yard, { handlers: [[echoTask, (payload: { n: number }) => payload.n * 10]] });
      for (const [index, id] of ids.entries()) {
        expect((await waitForState(yard, id, 'completed', scope.ms(4000))).result).toBe((index + 1) * 10);
      }
    });

    scopedTest(env, 'a job enqueued in a rolled-back transaction does not exist', async (scope) => {
      const transaction = transactionHelper(scope);
      const yard = await scope.yard();
      const ids: string[] = [];
      await transaction(
        scope.context(),
        async (tx) => {
          ids.push((await yard.enqueue(echoTask, { n: 1 }, { tx })).id);
          ids.push(...(await yard.enqueueMany(echoTask, [{ n: 2 }], { tx })).map((job) => job.id));
        },
        { rollback: true },
      );
      for (const id of ids) {
        expect(await env.module.readRawState(scope.context(), id)).toBeNull();
        expect(await yard.jobs.get(id)).toBeNull();
      }
      await expectNoJobs(yard);
    });
  });
}
