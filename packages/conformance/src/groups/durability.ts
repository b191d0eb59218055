/**
 * Durable adapters: close a yard, open a new one (new adapter) on the same prefix;
 * pending and scheduled jobs, finished results, schedules and pause flags survive.
 */
import { expect } from 'vitest';
import { gatedDescribe, type SuiteEnv, scopedTest } from '../harness.js';
import { waitForState } from '../job-waits.js';
import { echoTask, otherQueueTask } from '../tasks.js';

/** Registers the `durability` group of the conformance suite. */
export function registerDurability(env: SuiteEnv): void {
  gatedDescribe(env, 'durability', 'durability', () => {
    scopedTest(env, 'jobs, results, schedules and pause flags survive closing the yard', async (scope) => {
      const before = await scope.yard();
      const worker = await scope.worker(before, { handlers: [[echoTask, () => ({ kept: true })]] });
      const { id: finished } = await before.enqueue(echoTask, { n: 0 });
      await waitForState(before, finished, 'completed', scope.ms(3000));
      await worker.stop();
      const { id: pending } = await before.enqueue(echoTask, { n: 1 }, { metadata: { tenant: 't1' } });
      const { id: scheduled } = await before.enqueue(echoTask, { n: 2 }, { delay: '1h' });
      const { id: parked } = await before.enqueue(otherQueueTask, { n: 3 });
      await before.queues.pause('other');
      await before.schedules.upsert({ key: 'nightly', task: echoTask, cron: '0 3 * * *', payload: { n: 4 } });
      await before.close();

      const after = await scope.yard();
      expect(await after.jobs.get(pending)).toMatchObject({
        state: 'pending',
        payload: { n: 1 },
        attempt: 0,
      });
      expect((await after.jobs.get(pending))!.metadata.tenant).toBe('t1');
      expect((await after.jobs.get(scheduled))!.state).toBe('scheduled');
      expect(await after.jobs.get(finished)).toMatchObject({ state: 'completed', result: { kept: true } });
      expect(await after.queues.isPaused('other')).toBe(true);
      expect(await after.schedules.get('nightly')).toMatchObject({
        cron: '0 3 * * *',
        payload: { n: 4 },
        paused: false,
      });
      expect(await env.module.readRawState(scope.context(after.adapter), pending)).toBe('pending');
      await scope.worker(after, {
        queues: ['default', 'other'],
        handlers: [
          [echoTask, (payload: { n: number }) => payload.n],
          [otherQueueTask, (payload: { n: number }) => payload.n],
        ],
      });
      expect((await waitForState(after, pending, 'completed', scope.ms(4000))).result).toBe(1);
      expect((await after.jobs.get(parked))!.state).toBe('pending');
      await after.queues.resume('other');
      await waitForState(after, parked, 'completed', scope.ms(4000));
    });
  });
}
