/**
 * `schedules.trigger`: runs a schedule's task now, once, without moving its next tick;
 * and the task catalogue every front end builds forms from.
 */
import type { JobContext } from '@switchyard/core';
import { expect } from 'vitest';
import { gatedDescribe, type SuiteEnv, scopedTest } from '../harness.js';
import { waitForState } from '../job-waits.js';
import { opsTask } from '../tasks.js';

/** Registers the `trigger` group of the conformance suite. */
export function registerTrigger(env: SuiteEnv): void {
  gatedDescribe(env, 'operations', 'trigger', () => {
    scopedTest(env, 'trigger runs the schedule now, once, and leaves its next tick alone', async (scope) => {
      const yard = await scope.yard();
      const payloads: unknown[] = [];
      await scope.worker(yard, {
        queues: [opsTask.queue],
        handlers: [
          [
            opsTask,
            (payload: unknown, _ctx: JobContext) => {
              payloads.push(payload);
              return 'ran';
            },
          ],
        ],
      });
      const schedule = await yard.schedules.upsert({
        key: 'nightly',
        task: opsTask,
        cron: '0 3 * * *',
        payload: { n: 7 },
        priority: 2,
      });
      const triggered = await yard.schedules.trigger('nightly');
      expect(triggered).not.toBeNull();
      const job = await waitForState(yard, triggered!.id, 'completed', scope.ms(3000));
      expect(job).toMatchObject({ task: opsTask.name, priority: 2, result: 'ran' });
      expect(job.metadata).toMatchObject({ scheduleKey: 'nightly', scheduleTrigger: 'manual' });
      expect(payloads).toEqual([{ n: 7 }]);
      const after = await yard.schedules.get('nightly');
      expect(after!.nextRunAt).toEqual(schedule.nextRunAt);
      expect(after!.lastRunAt).toEqual(schedule.lastRunAt);
      expect(await yard.schedules.trigger('no-such-schedule')).toBeNull();
    });

    scopedTest(
      env,
      'the task catalogue lists every task with its settings and payload schema',
      async (scope) => {
        const yard = await scope.yard();
        const ops = yard.tasks.list().find((task) => task.name === opsTask.name)!;
        expect(ops).toMatchObject({
          queue: 'ops',
          priority: 5,
          attempts: 3,
          hasHandler: false,
          timeoutMs: 30_000,
        });
        expect(ops.backoff).toMatchObject({ type: 'fixed', delay: 50 });
        expect(ops.payloadSchema).toMatchObject({ type: 'object', required: ['n'] });
      },
    );
  });
}
