/** Job events fire on the yard and on the worker, with the right job ids and payloads. */
import type { JobContext, SwitchyardEvents } from '@switchyard/core';
import { describe, expect } from 'vitest';
import { type SuiteEnv, scopedTest } from '../harness.js';
import { waitForState } from '../job-waits.js';
import { EventLog } from '../states.js';
import { echoTask } from '../tasks.js';
import { aborted, createGate, waitUntil } from '../wait.js';

/** Registers the `observability` group of the conformance suite. */
export function registerObservability(env: SuiteEnv): void {
  describe('observability', () => {
    scopedTest(env, 'enqueued, started, progress, completed fire for a successful job', async (scope) => {
      const yard = await scope.yard();
      const log = new EventLog(yard);
      const worker = await scope.worker(yard, {
        handlers: [
          [
            echoTask,
            async (_payload: unknown, ctx: JobContext) => {
              await ctx.progress(10);
              return { ok: 1 };
            },
          ],
        ],
      });
      const workerLog = new EventLog(worker);
      const { id } = await yard.enqueue(echoTask, { n: 1 });
      await waitForState(yard, id, 'completed', scope.ms(3000));
      await waitUntil(
        () => log.count('job:completed', id) === 1,
        scope.ms(1000),
        'job:completed on the yard',
      );
      expect(log.names(id)).toEqual(['job:enqueued', 'job:started', 'job:progress', 'job:completed']);
      const completed = log.of(id).find((entry) => entry.event === 'job:completed')!
        .payload as SwitchyardEvents['job:completed'];
      expect(completed.result).toEqual({ ok: 1 });
      expect(completed.durationMs).toBeGreaterThanOrEqual(0);
      expect(completed.job.id).toBe(id);
      await waitUntil(
        () => workerLog.count('job:completed', id) === 1,
        scope.ms(1000),
        'job:completed on the worker',
      );
      expect(workerLog.names(id)).toEqual(['job:started', 'job:progress', 'job:completed']);
      log.expectLegalSequences();
    });

    scopedTest(env, 'at concurrency 1, each job completes before the next one starts', async (scope) => {
      const yard = await scope.yard();
      const order: string[] = [];
      yard.on('job:started', ({ job }) => order.push(`started ${job.id}`));
      yard.on('job:completed', ({ job }) => order.push(`completed ${job.id}`));
      const { id: first } = await yard.enqueue(echoTask, { n: 1 });
      const { id: second } = await yard.enqueue(echoTask, { n: 2 });
      const { id: third } = await yard.enqueue(echoTask, { n: 3 });
      await scope.worker(yard, { handlers: [[echoTask, async () => 'ok']] });
      await waitUntil(() => order.length === 6, scope.ms(5000), 'three jobs started and completed');
      // Which job runs first may differ on best-effort adapters; the alternation may not.
      const ids = order.filter((_, index) => index % 2 === 0).map((entry) => entry.split(' ')[1]);
      expect(new Set(ids)).toEqual(new Set([first, second, third]));
      expect(order).toEqual(ids.flatMap((id) => [`started ${id}`, `completed ${id}`]));
    });

    scopedTest(env, 'retrying then failed fire with the error and the next runAt', async (scope) => {
      const yard = await scope.yard();
      const log = new EventLog(yard);
      await scope.worker(yard, {
        handlers: [
          [
            echoTask,
            (_payload: unknown, ctx: JobContext) => {
              throw new Error(`broken ${ctx.attempt}`);
            },
          ],
        ],
      });
      const before = Date.now();
      const { id } = await yard.enqueue(
        echoTask,
        { n: 1 },
        { retry: { attempts: 2, backoff: { type: 'fixed', delay: scope.ms(100) } } },
      );
      await waitForState(yard, id, 'failed', scope.ms(4000));
      await waitUntil(() => log.count('job:failed', id) === 1, scope.ms(1000), 'job:failed');
      expect(log.names(id)).toEqual([
        'job:enqueued',
        'job:started',
        'job:retrying',
        'job:started',
        'job:failed',
      ]);
      const retrying = log.of(id).find((entry) => entry.event === 'job:retrying')!
        .payload as SwitchyardEvents['job:retrying'];
      expect(retrying.error.message).toBe('broken 1');
      expect(retrying.runAt.getTime()).toBeGreaterThanOrEqual(before + scope.ms(100));
      const failed = log.of(id).find((entry) => entry.event === 'job:failed')!
        .payload as SwitchyardEvents['job:failed'];
      expect(failed.error.message).toBe('broken 2');
      expect(failed.job.id).toBe(id);
    });

    scopedTest(env, 'cancelled fires for a pending and for a running job', async (scope) => {
      const yard = await scope.yard();
      const log = new EventLog(yard);
      const started = createGate();
      await scope.worker(yard, {
        handlers: [
          [
            echoTask,
            async (_payload: unknown, ctx: JobContext) => {
              started.open();
              throw await aborted(ctx.signal);
            },
          ],
        ],
      });
      const running = await yard.enqueue(echoTask, { n: 1 });
      await started.opened;
      await yard.queues.pause('default');
      const pending = await yard.enqueue(echoTask, { n: 2 });
      expect(await yard.jobs.cancel(pending.id)).toBe('cancelled');
      expect(await yard.jobs.cancel(running.id)).toBe('requested');
      await waitForState(yard, running.id, 'cancelled', scope.ms(4000));
      await waitUntil(() => log.count('job:cancelled') === 2, scope.ms(1000), 'two job:cancelled events');
      expect(log.count('job:cancelled', pending.id)).toBe(1);
      expect(log.count('job:cancelled', running.id)).toBe(1);
      log.expectLegalSequences();
    });
  });
}
