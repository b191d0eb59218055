/** `concurrency` is a hard cap on running handlers per worker, and every job runs once. */
import { describe, expect } from 'vitest';
import { type SuiteEnv, scopedTest } from '../harness.js';
import { waitForState } from '../job-waits.js';
import { echoTask } from '../tasks.js';
import { sleep } from '../wait.js';

/** Tracks how many handlers run at once. */
function activityMeter() {
  let active = 0;
  let max = 0;
  const runs = new Map<number, number>();
  return {
    runs,
    get max() {
      return max;
    },
    async run(n: number, ms: number) {
      runs.set(n, (runs.get(n) ?? 0) + 1);
      active++;
      max = Math.max(max, active);
      try {
        await sleep(ms);
      } finally {
        active--;
      }
    },
  };
}

/** Registers the `concurrency` group of the conformance suite. */
export function registerConcurrency(env: SuiteEnv): void {
  describe('concurrency', () => {
    scopedTest(env, 'never more than N handlers at once, and N are used (3N jobs)', async (scope) => {
      const yard = await scope.yard();
      const meter = activityMeter();
      const concurrency = 3;
      const ids = (
        await yard.enqueueMany(
          echoTask,
          Array.from({ length: 3 * concurrency }, (_, n) => ({ n })),
        )
      ).map((job) => job.id);
      const worker = await scope.worker(yard, {
        concurrency,
        handlers: [[echoTask, (payload: { n: number }) => meter.run(payload.n, scope.ms(300))]],
      });
      expect(worker.concurrency).toBe(concurrency);
      for (const id of ids) await waitForState(yard, id, 'completed', scope.ms(8000));
      expect(meter.max).toBe(concurrency);
      expect([...meter.runs.values()]).toEqual(Array(ids.length).fill(1));
      expect(worker.activeCount).toBe(0);
    });

    scopedTest(
      env,
      'two workers on one backend share the jobs; each job runs exactly once',
      async (scope) => {
        const first = await scope.yard();
        const second = await scope.yard();
        const meter = activityMeter();
        const handlers: [typeof echoTask, (payload: { n: number }) => Promise<void>][] = [
          [echoTask, (payload) => meter.run(payload.n, scope.ms(100))],
        ];
        await scope.worker(first, { concurrency: 2, handlers });
        await scope.worker(second, { concurrency: 2, handlers });
        const ids = (
          await first.enqueueMany(
            echoTask,
            Array.from({ length: 12 }, (_, n) => ({ n })),
          )
        ).map((job) => job.id);
        for (const id of ids) await waitForState(first, id, 'completed', scope.ms(8000));
        expect(meter.max).toBeLessThanOrEqual(4);
        expect(meter.runs.size).toBe(12);
        expect([...meter.runs.values()].every((count) => count === 1)).toBe(true);
      },
    );
  });
}
