/**
 * At `timeout` the handler's signal aborts with JobTimeoutError, the attempt fails with
 * it, and the concurrency slot is freed at once, even when the handler ignores the signal.
 */
import type { JobContext } from '@switchyard/core';
import { describe, expect } from 'vitest';
import { type SuiteEnv, scopedTest } from '../harness.js';
import { waitForState } from '../job-waits.js';
import { EventLog } from '../states.js';
import { echoTask } from '../tasks.js';
import { createGate, waitUntil } from '../wait.js';

/** Registers the `timeouts` group of the conformance suite. */
export function registerTimeouts(env: SuiteEnv): void {
  describe('timeouts', () => {
    scopedTest(
      env,
      'a timed-out handler that ignores its signal frees the slot for the next job',
      async (scope) => {
        const yard = await scope.yard();
        const log = new EventLog(yard);
        const timeout = scope.ms(300);
        const hang = scope.gate();
        const starts = new Map<number, number>();
        let abortReason: unknown;
        await scope.worker(yard, {
          concurrency: 1,
          handlers: [
            [
              echoTask,
              async (payload: { n: number }, ctx: JobContext) => {
                starts.set(payload.n, Date.now());
                if (payload.n === 1) {
                  ctx.signal.addEventListener('abort', () => {
                    abortReason = ctx.signal.reason;
                  });
                  await hang.opened; // ignores the signal on purpose
                }
                return 'ok';
              },
            ],
          ],
        });
        const hung = await yard.enqueue(echoTask, { n: 1 }, { timeout, retry: { attempts: 1 } });
        await waitUntil(() => starts.has(1), scope.ms(3000), 'the hanging job to start');
        const next = await yard.enqueue(echoTask, { n: 2 }, { priority: 0 });
        await waitForState(yard, next.id, 'completed', scope.ms(3000));
        const secondStartedAfter = starts.get(2)! - starts.get(1)!;
        expect(secondStartedAfter).toBeGreaterThanOrEqual(timeout - 2);
        expect(secondStartedAfter).toBeLessThan(timeout + scope.deliverySlackMs);
        const failed = await waitForState(yard, hung.id, 'failed', scope.ms(2000));
        expect(failed.error?.code).toBe('JOB_TIMEOUT');
        expect(failed.attempt).toBe(1);
        expect((abortReason as { code?: string } | undefined)?.code).toBe('JOB_TIMEOUT');
        log.expectLegalSequences();
      },
    );

    scopedTest(env, 'a timed-out attempt is retried per policy', async (scope) => {
      const yard = await scope.yard();
      const hang = scope.gate();
      await scope.worker(yard, {
        handlers: [
          [
            echoTask,
            async (_payload: unknown, ctx: JobContext) => {
              if (ctx.attempt === 1) await hang.opened;
              return `attempt ${ctx.attempt}`;
            },
          ],
        ],
      });
      const { id } = await yard.enqueue(
        echoTask,
        { n: 1 },
        { timeout: scope.ms(200), retry: { attempts: 2, backoff: { type: 'fixed', delay: 10 } } },
      );
      const done = await waitForState(yard, id, 'completed', scope.ms(4000));
      expect(done).toMatchObject({ attempt: 2, result: 'attempt 2' });
    });

    scopedTest(env, 'a handler that honours the signal ends promptly with JOB_TIMEOUT', async (scope) => {
      const yard = await scope.yard();
      const settled = createGate();
      await scope.worker(yard, {
        handlers: [
          [
            echoTask,
            async (_payload: unknown, ctx: JobContext) => {
              await new Promise<void>((_resolve, reject) =>
                ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }),
              ).finally(() => settled.open());
            },
          ],
        ],
      });
      const { id } = await yard.enqueue(
        echoTask,
        { n: 1 },
        { timeout: scope.ms(200), retry: { attempts: 1 } },
      );
      const failed = await waitForState(yard, id, 'failed', scope.ms(3000));
      await settled.opened;
      expect(failed.error?.code).toBe('JOB_TIMEOUT');
      expect(failed.error?.name).toBe('JobTimeoutError');
    });
  });
}
