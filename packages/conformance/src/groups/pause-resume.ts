/** A paused queue accepts jobs but starts none until resumed; the flag lives in the backend. */
import { describe, expect } from 'vitest';
import { type SuiteEnv, scopedTest } from '../harness.js';
import { waitForState } from '../job-waits.js';
import { echoTask, otherQueueTask } from '../tasks.js';
import { sleep, waitUntil } from '../wait.js';

/** Registers the `pause-resume` group of the conformance suite. */
export function registerPauseResume(env: SuiteEnv): void {
  describe('pause-resume', () => {
    scopedTest(env, 'a paused queue accepts jobs, starts none; resume runs them', async (scope) => {
      const yard = await scope.yard();
      await yard.queues.pause('default');
      expect(await yard.queues.isPaused('default')).toBe(true);
      expect(await yard.queues.isPaused('other')).toBe(false);
      const ran: number[] = [];
      await scope.worker(yard, {
        concurrency: 2,
        queues: ['default', 'other'],
        handlers: [
          [echoTask, (payload: { n: number }) => void ran.push(payload.n)],
          [otherQueueTask, (payload: { n: number }) => void ran.push(payload.n)],
        ],
      });
      const paused = (await yard.enqueueMany(echoTask, [{ n: 1 }, { n: 2 }, { n: 3 }])).map((job) => job.id);
      // The unpaused queue keeps running, which shows the worker is live.
      const sentinel = await yard.enqueue(otherQueueTask, { n: 99 });
      await waitForState(yard, sentinel.id, 'completed', scope.ms(3000));
      await sleep(scope.ms(500));
      expect(ran).toEqual([99]);
      expect((await yard.jobs.counts({ queue: 'default' })).pending).toBe(3);
      expect(await yard.queues.list()).toEqual(expect.arrayContaining(['default', 'other']));
      await yard.queues.resume('default');
      expect(await yard.queues.isPaused('default')).toBe(false);
      for (const id of paused) await waitForState(yard, id, 'completed', scope.ms(4000));
      expect([...ran].sort()).toEqual([1, 2, 3, 99]);
    });

    scopedTest(env, 'pausing while a job runs lets it finish but starts no new one', async (scope) => {
      const yard = await scope.yard();
      const release = scope.gate();
      const ran: number[] = [];
      await scope.worker(yard, {
        handlers: [
          [
            echoTask,
            async (payload: { n: number }) => {
              ran.push(payload.n);
              if (payload.n === 1) await release.opened;
            },
          ],
        ],
      });
      const first = await yard.enqueue(echoTask, { n: 1 });
      await waitUntil(() => ran.length === 1, scope.ms(3000), 'the first job to start');
      await yard.queues.pause('default');
      const second = await yard.enqueue(echoTask, { n: 2 });
      release.open();
      await waitForState(yard, first.id, 'completed', scope.ms(3000));
      await sleep(scope.ms(500));
      expect((await yard.jobs.get(second.id))!.state).toBe('pending');
      await yard.queues.resume('default');
      await waitForState(yard, second.id, 'completed', scope.ms(4000));
    });

    scopedTest(
      env,
      'the pause flag is stored in the backend: a second yard on the prefix sees it',
      async (scope) => {
        const first = await scope.yard();
        await first.queues.pause('default');
        const second = await scope.yard();
        expect(await second.queues.isPaused('default')).toBe(true);
        await second.queues.resume('default');
        expect(await first.queues.isPaused('default')).toBe(false);
      },
    );
  });
}
