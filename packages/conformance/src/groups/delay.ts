/**
 * Delayed jobs wait for their runAt, never start early, start within the adapter's declared
 * delivery latency after it, and delays of any length are stored.
 */
import { describe, expect } from 'vitest';
import { type SuiteEnv, scopedTest } from '../harness.js';
import { waitForState } from '../job-waits.js';
import { EventLog } from '../states.js';
import { echoTask } from '../tasks.js';

/** Slack for comparing a handler's start (Date.now()) with a stored runAt rounded by the backend. */
const CLOCK_GRANULARITY_MS = 2;

/** Registers the `delay` group of the conformance suite. */
export function registerDelay(env: SuiteEnv): void {
  describe('delay', () => {
    scopedTest(env, 'a delayed job starts no earlier than its runAt, and soon after it', async (scope) => {
      const yard = await scope.yard();
      const log = new EventLog(yard);
      const startedAt = new Map<number, number>();
      await scope.worker(yard, {
        concurrency: 2,
        handlers: [[echoTask, (payload: { n: number }) => void startedAt.set(payload.n, Date.now())]],
      });
      const enqueuedAt = Date.now();
      const delayed = await yard.enqueue(echoTask, { n: 1 }, { delay: scope.ms(400) });
      const runAt = new Date(Date.now() + scope.ms(300));
      const atTime = await yard.enqueue(echoTask, { n: 2 }, { runAt });
      expect((await yard.jobs.get(delayed.id))!.state).toBe('scheduled');
      for (const [n, id] of [
        [1, delayed.id],
        [2, atTime.id],
      ] as const) {
        const done = await waitForState(yard, id, 'completed', scope.ms(4000));
        const started = startedAt.get(n)!;
        // The stored runAt is what was asked (checked against intent, not only read back).
        expect(done.runAt.getTime()).toBeGreaterThanOrEqual(
          n === 1 ? enqueuedAt + scope.ms(400) : runAt.getTime(),
        );
        expect(started).toBeGreaterThanOrEqual(done.runAt.getTime() - CLOCK_GRANULARITY_MS);
        // Late by at most the adapter's declared delivery latency.
        expect(started - done.runAt.getTime()).toBeLessThan(scope.deliverySlackMs);
      }
      expect((await yard.jobs.get(atTime.id))!.runAt.getTime()).toBe(runAt.getTime());
      log.expectLegalSequences();
    });

    scopedTest(
      env,
      'a long delay (past any native cap) is kept as scheduled with the exact runAt',
      async (scope) => {
        const yard = await scope.yard();
        const delayMs = Math.min(2 * 3_600_000, env.capabilities.maxDelayMs);
        const before = Date.now();
        const { id } = await yard.enqueue(echoTask, { n: 1 }, { delay: delayMs });
        const job = await yard.jobs.get(id);
        expect(job!.state).toBe('scheduled');
        expect(job!.runAt.getTime()).toBeGreaterThanOrEqual(before + delayMs);
        expect(job!.runAt.getTime()).toBeLessThanOrEqual(Date.now() + delayMs);
        expect(await env.module.readRawState(scope.context(), id)).toBe('scheduled');
        // A worker running now must not take it.
        await scope.worker(yard, { handlers: [[echoTask, () => undefined]] });
        const { id: sentinel } = await yard.enqueue(echoTask, { n: 2 });
        await waitForState(yard, sentinel, 'completed', scope.ms(3000));
        expect((await yard.jobs.get(id))!.state).toBe('scheduled');
      },
    );
  });
}
