/**
 * worker.stop({ timeout }): stops taking jobs, waits for running ones up to `timeout`,
 * then aborts them and releases their leases, so another worker picks them up at once.
 * A release gives the attempt back: the job that was interrupted completes with attempt 1.
 */
import type { JobContext } from '@switchyard/core';
import { describe, expect } from 'vitest';
import { type SuiteEnv, scopedTest } from '../harness.js';
import { waitForState } from '../job-waits.js';
import { EventLog } from '../states.js';
import { echoTask } from '../tasks.js';
import { createGate, sleep } from '../wait.js';

/** Registers the `graceful-shutdown` group of the conformance suite. */
export function registerGracefulShutdown(env: SuiteEnv): void {
  describe('graceful-shutdown', () => {
    scopedTest(
      env,
      'stop({ timeout }) releases a job whose handler ignores the signal; another worker completes it on attempt 1',
      async (scope) => {
        const yard = await scope.yard();
        const log = new EventLog(yard);
        const started = createGate();
        const hang = scope.gate();
        let firstSignalReason: unknown;
        // A long lease proves the job comes back through release, not through lease expiry.
        const first = await scope.worker(yard, {
          leaseDuration: scope.ms(10_000),
          handlers: [
            [
              echoTask,
              async (_payload: unknown, ctx: JobContext) => {
                ctx.signal.addEventListener('abort', () => {
                  firstSignalReason = ctx.signal.reason ?? 'aborted';
                });
                started.open();
                await hang.opened; // ignores the signal on purpose
                return 'from the stopped worker';
              },
            ],
          ],
        });
        const { id } = await yard.enqueue(echoTask, { n: 1 });
        await started.opened;
        const stopAt = Date.now();
        await first.stop({ timeout: scope.ms(200) });
        const stoppedAfter = Date.now() - stopAt;
        expect(stoppedAfter).toBeGreaterThanOrEqual(scope.ms(200) - 2);
        expect(stoppedAfter).toBeLessThan(scope.ms(200) + scope.deliverySlackMs);
        expect(firstSignalReason).toBeDefined();
        const released = await yard.jobs.get(id);
        expect(released).toMatchObject({ state: 'pending', attempt: 0 });
        expect(await env.module.readRawState(scope.context(), id)).toBe('pending');
        const seenAttempts: number[] = [];
        const secondStart = Date.now();
        await scope.worker(yard, {
          leaseDuration: scope.ms(10_000),
          handlers: [
            [
              echoTask,
              (_payload: unknown, ctx: JobContext) => {
                seenAttempts.push(ctx.attempt);
                return 'from the second worker';
              },
            ],
          ],
        });
        const done = await waitForState(yard, id, 'completed', scope.ms(3000));
        expect(Date.now() - secondStart).toBeLessThan(scope.ms(2000));
        expect(done).toMatchObject({ attempt: 1, result: 'from the second worker' });
        expect(seenAttempts).toEqual([1]);
        // The stopped worker's handler finishing late must not change the job.
        hang.open();
        await sleep(scope.ms(100));
        expect(await yard.jobs.get(id)).toMatchObject({
          state: 'completed',
          result: 'from the second worker',
        });
        log.expectLegalSequences();
      },
    );

    scopedTest(env, 'stop waits for a handler that finishes within the timeout', async (scope) => {
      const yard = await scope.yard();
      const started = createGate();
      const worker = await scope.worker(yard, {
        handlers: [
          [
            echoTask,
            async () => {
              started.open();
              await sleep(scope.ms(300));
              return 'finished in time';
            },
          ],
        ],
      });
      const { id } = await yard.enqueue(echoTask, { n: 1 });
      await started.opened;
      await worker.stop({ timeout: scope.ms(3000) });
      expect(await yard.jobs.get(id)).toMatchObject({
        state: 'completed',
        attempt: 1,
        result: 'finished in time',
      });
    });

    scopedTest(env, 'a stopped worker takes no new jobs', async (scope) => {
      const yard = await scope.yard();
      let ran = 0;
      const worker = await scope.worker(yard, { handlers: [[echoTask, () => void ran++]] });
      const { id: before } = await yard.enqueue(echoTask, { n: 1 });
      await waitForState(yard, before, 'completed', scope.ms(3000));
      await worker.stop();
      const { id } = await yard.enqueue(echoTask, { n: 2 });
      await sleep(scope.ms(500));
      expect((await yard.jobs.get(id))!.state).toBe('pending');
      expect(ran).toBe(1);
    });
  });
}
