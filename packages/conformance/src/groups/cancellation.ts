/**
 * Cancelling scheduled, pending, retrying and running jobs. A cancelled job never
 * runs (again); a running one sees its signal abort with JobCancelledError within a
 * heartbeat (lease/3) plus the adapter's delivery latency and ends `cancelled`, not retried — also when the cancel comes from
 * another yard on the same backend.
 */
import type { JobContext, Switchyard } from '@switchyard/core';
import { describe, expect } from 'vitest';
import { gatedDescribe, type SuiteEnv, scopedTest, type TestScope } from '../harness.js';
import { waitForState } from '../job-waits.js';
import { EventLog } from '../states.js';
import { echoTask } from '../tasks.js';
import { aborted, createGate, sleep, waitUntil } from '../wait.js';

/** Runs one job whose handler waits for its signal; cancels it through `canceller` once it runs. */
async function cancelRunningJob(scope: TestScope, yard: Switchyard, canceller: Switchyard) {
  const log = new EventLog(yard);
  const started = createGate();
  let reason: unknown;
  let abortedAt = 0;
  let runs = 0;
  await scope.worker(yard, {
    handlers: [
      [
        echoTask,
        async (_payload: unknown, ctx: JobContext) => {
          runs++;
          started.open();
          reason = await aborted(ctx.signal);
          abortedAt = Date.now();
          throw reason;
        },
      ],
    ],
  });
  const { id } = await yard.enqueue(
    echoTask,
    { n: 1 },
    { retry: { attempts: 3, backoff: { type: 'fixed', delay: 10 } } },
  );
  await started.opened;
  const cancelAt = Date.now();
  expect(await canceller.jobs.cancel(id)).toBe('requested');
  const cancelled = await waitForState(yard, id, 'cancelled', scope.ms(4000));
  expect((reason as { code?: string }).code).toBe('JOB_CANCELLED');
  // Within one heartbeat (lease/3) on the holder, plus the adapter's delivery latency.
  expect(abortedAt - cancelAt).toBeLessThan(scope.leaseMs / 3 + scope.deliverySlackMs);
  expect(cancelled.attempt).toBe(1);
  await waitUntil(() => log.count('job:cancelled', id) === 1, scope.ms(1000), 'job:cancelled event');
  // Not retried: still cancelled after the retry backoff would have elapsed.
  await sleep(scope.ms(200));
  expect((await yard.jobs.get(id))!.state).toBe('cancelled');
  expect(runs).toBe(1);
  expect(await scope.env.module.readRawState(scope.context(), id)).toBe('cancelled');
  log.expectLegalSequences();
}

/** Registers the `cancellation` group of the conformance suite. */
export function registerCancellation(env: SuiteEnv): void {
  describe('cancellation', () => {
    scopedTest(env, 'a scheduled job cancelled before its runAt never runs', async (scope) => {
      const yard = await scope.yard();
      const ran: number[] = [];
      const { id } = await yard.enqueue(echoTask, { n: 1 }, { delay: scope.ms(200) });
      expect(await yard.jobs.cancel(id)).toBe('cancelled');
      expect(await yard.jobs.get(id)).toMatchObject({ state: 'cancelled', attempt: 0 });
      expect(await env.module.readRawState(scope.context(), id)).toBe('cancelled');
      await scope.worker(yard, {
        handlers: [[echoTask, (payload: { n: number }) => void ran.push(payload.n)]],
      });
      const sentinel = await yard.enqueue(echoTask, { n: 2 }, { delay: scope.ms(400) });
      await waitForState(yard, sentinel.id, 'completed', scope.ms(4000));
      expect(ran).toEqual([2]);
      expect((await yard.jobs.get(id))!.state).toBe('cancelled');
    });

    scopedTest(env, 'a pending job cancelled before a worker runs never runs', async (scope) => {
      const yard = await scope.yard();
      const log = new EventLog(yard);
      const ran: number[] = [];
      const { id } = await yard.enqueue(echoTask, { n: 1 });
      expect(await yard.jobs.cancel(id)).toBe('cancelled');
      await waitUntil(() => log.count('job:cancelled', id) === 1, scope.ms(1000), 'job:cancelled event');
      await scope.worker(yard, {
        handlers: [[echoTask, (payload: { n: number }) => void ran.push(payload.n)]],
      });
      const sentinel = await yard.enqueue(echoTask, { n: 2 });
      await waitForState(yard, sentinel.id, 'completed', scope.ms(3000));
      expect(ran).toEqual([2]);
      expect(await yard.jobs.get(id)).toMatchObject({ state: 'cancelled', attempt: 0 });
      expect((await yard.jobs.counts()).cancelled).toBe(1);
      log.expectLegalSequences();
    });

    scopedTest(env, 'a retrying job cancelled during its backoff is not run again', async (scope) => {
      const yard = await scope.yard();
      let runs = 0;
      await scope.worker(yard, {
        handlers: [
          [
            echoTask,
            () => {
              runs++;
              throw new Error('fails');
            },
          ],
        ],
      });
      const backoff = scope.ms(500);
      const { id } = await yard.enqueue(
        echoTask,
        { n: 1 },
        { retry: { attempts: 3, backoff: { type: 'fixed', delay: backoff } } },
      );
      await waitForState(yard, id, 'retrying', scope.ms(3000));
      expect(await yard.jobs.cancel(id)).toBe('cancelled');
      await sleep(backoff + scope.ms(300));
      expect(await yard.jobs.get(id)).toMatchObject({ state: 'cancelled', attempt: 1 });
      expect(runs).toBe(1);
    });

    scopedTest(
      env,
      'a running job: signal aborts with JOB_CANCELLED, job ends cancelled, not retried',
      async (scope) => {
        const yard = await scope.yard();
        await cancelRunningJob(scope, yard, yard);
      },
    );

    scopedTest(env, 'cancel of a finished job is "finished"; of an unknown id "not_found"', async (scope) => {
      const yard = await scope.yard();
      await scope.worker(yard, { handlers: [[echoTask, () => 'ok']] });
      const { id } = await yard.enqueue(echoTask, { n: 1 });
      await waitForState(yard, id, 'completed', scope.ms(3000));
      expect(await yard.jobs.cancel(id)).toBe('finished');
      expect(await yard.jobs.cancel('00000000-0000-7000-8000-000000000000')).toBe('not_found');
      expect((await yard.jobs.get(id))!.state).toBe('completed');
    });

    gatedDescribe(env, 'cancellation/other-yard', 'cancel from another yard on the same backend', () => {
      scopedTest(env, 'a running job held by one yard is cancelled from a second yard', async (scope) => {
        const holder = await scope.yard();
        const other = await scope.yard();
        await cancelRunningJob(scope, holder, other);
      });
    });
  });
}
