/**
 * Bulk actions and clean: retry, cancel and remove every job matching a filter in
 * batches, skipping jobs that changed state since they were listed, safely while a
 * worker runs; an empty filter needs `all: true`.
 */
import type { BulkProgress, JobContext, QueueAdapterV2 } from '@switchyard/core';
import { expect } from 'vitest';
import { gatedDescribe, type SuiteEnv, scopedTest } from '../harness.js';
import { expectRejectsWithCode, totalJobs, waitForState } from '../job-waits.js';
import { echoTask, opsTask } from '../tasks.js';
import { waitUntil } from '../wait.js';

/** Registers the `bulk` group of the conformance suite. */
export function registerBulk(env: SuiteEnv): void {
  gatedDescribe(env, 'operations', 'bulk', () => {
    scopedTest(
      env,
      'bulk retry of failed jobs in batches while a worker runs: each job reruns once',
      async (scope) => {
        const yard = await scope.yard();
        const runs = new Map<string, number>();
        await scope.worker(yard, {
          queues: [opsTask.queue],
          concurrency: 8,
          handlers: [
            [
              opsTask,
              (_payload: unknown, ctx: JobContext) => {
                const run = (runs.get(ctx.job.id) ?? 0) + 1;
                runs.set(ctx.job.id, run);
                if (run === 1) throw new Error('first run fails');
                return run;
              },
            ],
          ],
        });
        const jobs = await yard.enqueueMany(
          opsTask,
          Array.from({ length: 60 }, (_, n) => ({ n })),
          { retry: { attempts: 1 } },
        );
        await waitUntil(
          async () => (await yard.jobs.counts({ queue: opsTask.queue })).failed === 60,
          scope.ms(10_000),
          'every job to fail once',
        );
        const progress: BulkProgress[] = [];
        const result = await yard.jobs.bulk({
          filter: { state: 'failed', queue: opsTask.queue },
          action: 'retry',
          batchSize: 7,
          onProgress: (step) => progress.push(step),
        });
        expect(result).toEqual({ matched: 60, changed: 60, requested: 0, skipped: 0 });
        expect(progress.length).toBeGreaterThanOrEqual(9);
        expect(progress.at(-1)).toEqual(result);
        for (const { id } of jobs) await waitForState(yard, id, 'completed', scope.ms(10_000));
        expect([...runs.values()].every((run) => run === 2)).toBe(true);
        expect(runs.size).toBe(60);
      },
    );

    scopedTest(
      env,
      'bulk cancel by metadata cancels waiting jobs and requests cancel of running ones',
      async (scope) => {
        const yard = await scope.yard();
        const gate = scope.gate();
        const started: string[] = [];
        await scope.worker(yard, {
          queues: [opsTask.queue],
          handlers: [
            [
              opsTask,
              async (_payload: unknown, ctx: JobContext) => {
                started.push(ctx.job.id);
                await Promise.race([
                  gate.opened,
                  new Promise((resolve) => ctx.signal.addEventListener('abort', resolve)),
                ]);
                ctx.signal.throwIfAborted();
              },
            ],
          ],
        });
        const running = await yard.enqueue(opsTask, { n: 0 }, { metadata: { tenant: 'a' } });
        await waitUntil(() => started.includes(running.id), scope.ms(3000), 'the first job to start');
        const waiting = await Promise.all(
          Array.from({ length: 5 }, (_, n) =>
            yard.enqueue(opsTask, { n: n + 1 }, { metadata: { tenant: 'a' } }),
          ),
        );
        const other = await yard.enqueue(opsTask, { n: 9 }, { metadata: { tenant: 'b' } });
        const result = await yard.jobs.bulk({ filter: { metadata: { tenant: 'a' } }, action: 'cancel' });
        expect(result).toMatchObject({ matched: 6, changed: 5, requested: 1 });
        for (const { id } of waiting) expect((await yard.jobs.get(id))!.state).toBe('cancelled');
        await waitForState(yard, running.id, 'cancelled', scope.ms(3000));
        gate.open();
        await waitForState(yard, other.id, 'completed', scope.ms(3000));
      },
    );

    scopedTest(
      env,
      'bulk remove by state deletes from the backend; clean removes only old finished jobs',
      async (scope) => {
        const yard = await scope.yard();
        await scope.worker(yard, { queues: ['default'], handlers: [[echoTask, () => 'ok']] });
        const finished = await Promise.all(
          Array.from({ length: 4 }, (_, n) => yard.enqueue(echoTask, { n })),
        );
        for (const { id } of finished) await waitForState(yard, id, 'completed', scope.ms(3000));
        const held = await Promise.all(
          Array.from({ length: 3 }, (_, n) => yard.enqueue(echoTask, { n }, { queue: 'held' })),
        );
        const removed = await yard.jobs.bulk({
          filter: { queue: 'held', state: 'pending' },
          action: 'remove',
        });
        expect(removed).toMatchObject({ matched: 3, changed: 3 });
        for (const { id } of held) {
          expect(await yard.jobs.get(id)).toBeNull();
          expect(await env.module.readRawState(scope.context(), id)).toBeNull();
        }
        expect(await yard.jobs.clean({ state: 'completed', olderThan: '1h' })).toMatchObject({ changed: 0 });
        expect(await totalJobs(yard)).toBe(4);
        await waitUntil(
          async () => {
            const cleaned = await yard.jobs.clean({ state: 'completed', olderThan: 1 });
            return cleaned.changed > 0 || (await totalJobs(yard)) === 0;
          },
          scope.ms(3000),
          'clean to remove the finished jobs',
        );
        await waitUntil(
          async () => {
            await yard.jobs.clean({ state: 'completed', olderThan: 1 });
            return (await totalJobs(yard)) === 0;
          },
          scope.ms(3000),
          'no job left',
        );
      },
    );

    scopedTest(
      env,
      'a job that changed state after it was listed is skipped, not clobbered',
      async (scope) => {
        const yard = await scope.yard();
        const adapter = yard.adapter as QueueAdapterV2;
        const jobs = await Promise.all(
          Array.from({ length: 3 }, (_, n) =>
            yard.enqueue(echoTask, { n }, { queue: 'held', retry: { attempts: 1 } }),
          ),
        );
        for (const { id } of jobs) expect(await yard.jobs.cancel(id)).toBe('cancelled');
        // Listed as cancelled; then one is retried by somebody else before the bulk runs.
        expect(await yard.jobs.retry(jobs[0]!.id)).not.toBeNull();
        const removed = await adapter.jobs.bulk(
          jobs.map((job) => job.id),
          'remove',
          ['cancelled'],
        );
        expect(removed.changed.sort()).toEqual([jobs[1]!.id, jobs[2]!.id].sort());
        expect(await yard.jobs.get(jobs[0]!.id)).toMatchObject({ state: 'pending' });
        const none = await adapter.jobs.bulk([jobs[0]!.id, '01900000-0000-7000-8000-000000000000'], 'retry', [
          'failed',
        ]);
        expect(none).toEqual({ changed: [], requested: [] });
        expect(await yard.jobs.get(jobs[0]!.id)).toMatchObject({ state: 'pending', attempt: 0 });
      },
    );

    scopedTest(env, 'bad bulk and clean options are refused and change nothing', async (scope) => {
      const yard = await scope.yard();
      const job = await yard.enqueue(echoTask, { n: 1 }, { queue: 'held' });
      const bad: unknown[] = [
        { filter: {}, action: 'remove' },
        { action: 'remove' },
        { filter: { queue: 'held' }, action: 'explode' },
        { filter: { queue: 'held', colour: 'red' }, action: 'remove' },
        { filter: { state: 'completed' }, action: 'cancel' },
        { filter: { queue: 'held' }, action: 'remove', batchSize: 0 },
        { filter: { queue: 'held' }, action: 'remove', all: 'yes' },
        { filter: { queue: 'held' }, action: 'remove', extra: 1 },
      ];
      for (const options of bad) {
        await expectRejectsWithCode(() => yard.jobs.bulk(options as never), 'INVALID_OPTIONS');
      }
      for (const options of [
        { state: 'pending', olderThan: '1h' },
        { state: 'completed' },
        { state: 'completed', olderThan: 'soon' },
      ]) {
        await expectRejectsWithCode(() => yard.jobs.clean(options as never), 'INVALID_OPTIONS');
      }
      expect(await yard.jobs.get(job.id)).toMatchObject({ state: 'pending' });
      expect(await yard.jobs.bulk({ filter: {}, all: true, action: 'remove' })).toMatchObject({ changed: 1 });
      expect(await yard.jobs.get(job.id)).toBeNull();
    });
  });
}
