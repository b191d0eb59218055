/** Results are stored on completed jobs; progress is visible while the job runs and emits events. */
import type { JobContext } from '@switchyard/core';
import { describe, expect } from 'vitest';
import { type SuiteEnv, scopedTest } from '../harness.js';
import { waitForState } from '../job-waits.js';
import { EventLog } from '../states.js';
import { echoTask } from '../tasks.js';
import { waitUntil } from '../wait.js';

/** Registers the `results-progress` group of the conformance suite. */
export function registerResultsProgress(env: SuiteEnv): void {
  describe('results-progress', () => {
    scopedTest(env, 'the handler result is stored on the completed job', async (scope) => {
      const yard = await scope.yard();
      const result = { sum: 3, items: ['a', 'b'], nested: { ok: true, ratio: 0.5 }, none: null };
      await scope.worker(yard, { handlers: [[echoTask, () => result]] });
      const { id } = await yard.enqueue(echoTask, { n: 1 });
      const done = await waitForState(yard, id, 'completed', scope.ms(3000));
      expect(done.result).toEqual(result);
      expect(done.startedAt).toBeInstanceOf(Date);
      expect(done.finishedAt).toBeInstanceOf(Date);
      expect(done.finishedAt!.getTime()).toBeGreaterThanOrEqual(done.startedAt!.getTime());
      expect(done.error).toBeUndefined();
    });

    scopedTest(
      env,
      'progress is visible through jobs.get while the job runs and fires job:progress',
      async (scope) => {
        const yard = await scope.yard();
        const log = new EventLog(yard);
        const release = scope.gate();
        const step = scope.gate();
        await scope.worker(yard, {
          handlers: [
            [
              echoTask,
              async (_payload: unknown, ctx: JobContext) => {
                await ctx.progress(50);
                await step.opened;
                await ctx.progress({ stage: 'upload', done: 3, of: 4 });
                await release.opened;
                return 'finished';
              },
            ],
          ],
        });
        const { id } = await yard.enqueue(echoTask, { n: 1 });
        const running = await waitUntil(
          async () => {
            const job = await yard.jobs.get(id);
            return job?.progress === 50 ? job : null;
          },
          scope.ms(3000),
          'progress 50 to be stored',
        );
        expect(running.state).toBe('running');
        await waitUntil(() => log.count('job:progress', id) === 1, scope.ms(1000), 'the job:progress event');
        expect(
          (log.of(id).find((entry) => entry.event === 'job:progress')!.payload as { progress: unknown })
            .progress,
        ).toBe(50);
        step.open();
        await waitUntil(
          async () => (await yard.jobs.get(id))?.progress !== 50,
          scope.ms(3000),
          'the second progress value to be stored',
        );
        expect((await yard.jobs.get(id))!.progress).toEqual({ stage: 'upload', done: 3, of: 4 });
        release.open();
        expect((await waitForState(yard, id, 'completed', scope.ms(3000))).result).toBe('finished');
        expect(log.count('job:progress', id)).toBe(2);
      },
    );
  });
}
