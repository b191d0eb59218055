/**
 * Throughput history and the stats summary: what workers of several yards finished
 * is counted once in the backend and read the same from any yard; bad queries are
 * refused with a typed error.
 */
import {
  emptyDurations,
  type HistoryCell,
  type JobContext,
  type QueueAdapterV2,
  type Switchyard,
} from '@switchyard/core';
import { expect } from 'vitest';
import { gatedDescribe, type SuiteEnv, scopedTest } from '../harness.js';
import { expectRejectsWithCode, waitForState } from '../job-waits.js';
import { opsHandler } from '../ops-handler.js';
import { opsTask } from '../tasks.js';
import { waitUntil } from '../wait.js';

const HOUR = 3_600_000;

/** Sums over every point of the last hour (minute buckets). */
async function lastHourTotals(yard: Switchyard, filter: { queue?: string; task?: string } = {}) {
  const now = Date.now();
  const { points } = await yard.stats.history({
    from: now - HOUR,
    to: now + 60_000,
    bucket: '1m',
    ...filter,
  });
  return points.reduce(
    (sum, point) => ({
      completed: sum.completed + point.completed,
      failed: sum.failed + point.failed,
      retried: sum.retried + point.retried,
    }),
    { completed: 0, failed: 0, retried: 0 },
  );
}

/** Registers the `history` group of the conformance suite. */
export function registerHistory(env: SuiteEnv): void {
  gatedDescribe(env, 'operations', 'history', () => {
    scopedTest(
      env,
      'counts what workers of two yards finished, by minute and by hour, per queue and task',
      async (scope) => {
        const producer = await scope.yard();
        const first = await scope.yard();
        const second = await scope.yard();
        const observer = await scope.yard();
        for (const yard of [first, second]) {
          await scope.worker(yard, {
            queues: [opsTask.queue],
            concurrency: 2,
            handlers: [[opsTask, opsHandler]],
          });
        }
        const ok = await Promise.all(Array.from({ length: 6 }, (_, n) => producer.enqueue(opsTask, { n })));
        const flaky = await producer.enqueue(opsTask, { n: 50, failTimes: 1 });
        const doomed = await producer.enqueue(opsTask, { n: 60, failTimes: 9 }, { retry: { attempts: 1 } });
        for (const { id } of [...ok, flaky]) await waitForState(producer, id, 'completed', scope.ms(6000));
        await waitForState(producer, doomed.id, 'failed', scope.ms(6000));
        // Each process adds its counts once per flush interval (1 s).
        const expected = { completed: 7, failed: 1, retried: 1 };
        await waitUntil(
          async () => JSON.stringify(await lastHourTotals(observer)) === JSON.stringify(expected),
          scope.ms(5000),
          `history totals ${JSON.stringify(expected)}`,
        );
        expect(await lastHourTotals(observer, { queue: opsTask.queue, task: opsTask.name })).toEqual(
          expected,
        );
        expect(await lastHourTotals(observer, { queue: 'default' })).toEqual({
          completed: 0,
          failed: 0,
          retried: 0,
        });
        const hour = Math.floor(Date.now() / HOUR) * HOUR;
        const hourly = await observer.stats.history({ from: hour - 2 * HOUR, to: hour + HOUR, bucket: '1h' });
        expect(hourly.points).toHaveLength(3);
        const busy = hourly.points.filter((point) => point.completed > 0);
        expect(busy.reduce((sum, point) => sum + point.completed, 0)).toBe(7);
        expect(busy[0]!.durationP50Ms).not.toBeNull();
        expect(busy[0]!.durationP95Ms!).toBeGreaterThanOrEqual(busy[0]!.durationP50Ms!);
        const quiet = hourly.points.find((point) => point.completed === 0)!;
        expect(quiet).toMatchObject({ failed: 0, retried: 0, durationP50Ms: null });
      },
    );

    scopedTest(env, 'record adds to stored cells instead of replacing them', async (scope) => {
      const yard = await scope.yard();
      const history = (yard.adapter as QueueAdapterV2).history;
      const at = Math.floor(Date.now() / 60_000) * 60_000;
      const cell = (completed: number, bucket: number): HistoryCell => {
        const durations = emptyDurations();
        durations[bucket] = completed;
        return { at, queue: 'q1', task: 't1', completed, failed: 1, retried: 0, durations };
      };
      await history.record([cell(2, 3)]);
      await history.record([cell(5, 3), { ...cell(1, 0), task: 't2' }]);
      const cells = await history.read({
        from: new Date(at),
        to: new Date(at + 60_000),
        bucket: '1m',
        queue: 'q1',
      });
      const t1 = cells.filter((stored) => stored.task === 't1');
      const sum = t1.reduce((total, stored) => total + stored.completed, 0);
      expect(sum).toBe(7);
      expect(t1.reduce((total, stored) => total + stored.failed, 0)).toBe(2);
      expect(t1.reduce((total, stored) => total + (stored.durations[3] ?? 0), 0)).toBe(7);
      const points = await yard.stats.history({ from: at, to: at + 60_000, bucket: '1m', task: 't2' });
      expect(points.points).toEqual([expect.objectContaining({ completed: 1, failed: 1 })]);
    });

    scopedTest(
      env,
      'summary: counts, oldest pending age, paused, live workers and throughput per queue',
      async (scope) => {
        const yard = await scope.yard();
        await yard.queues.pause('held');
        const waiting = await yard.enqueue(opsTask, { n: 1 }, { queue: 'held' });
        await yard.enqueue(opsTask, { n: 2 }, { queue: 'held' });
        await scope.worker(yard, {
          queues: [opsTask.queue],
          handlers: [[opsTask, (_payload: unknown, _ctx: JobContext) => 'done']],
        });
        const ran = await yard.enqueue(opsTask, { n: 3 });
        await waitForState(yard, ran.id, 'completed', scope.ms(3000));
        const summary = await waitUntil(
          async () => {
            const current = await yard.stats.summary();
            const ops = current.queues.find((queue) => queue.queue === opsTask.queue);
            return ops && ops.jobsPerMinute > 0 && ops.workers === 1 ? current : null;
          },
          scope.ms(5000),
          'the summary to show the finished job and the worker',
        );
        const held = summary.queues.find((queue) => queue.queue === 'held')!;
        expect(held.counts).toEqual(await yard.jobs.counts({ queue: 'held' }));
        expect(held.counts.pending).toBe(2);
        expect(held.paused).toBe(true);
        expect(held.workers).toBe(0);
        const waitingSince = (await yard.jobs.get(waiting.id))!.runAt.getTime();
        expect(held.oldestPendingAgeMs).toBeGreaterThanOrEqual(0);
        expect(held.oldestPendingAgeMs!).toBeLessThanOrEqual(Date.now() - waitingSince + 50);
        const ops = summary.queues.find((queue) => queue.queue === opsTask.queue)!;
        expect(ops).toMatchObject({
          paused: false,
          oldestPendingAgeMs: null,
          workers: 1,
          jobsPerMinute: 0.2,
        });
        expect(summary.totals.counts.pending).toBe(2);
        expect(summary.totals.counts.completed).toBe(1);
        expect(summary.totals.workers).toBe(1);
      },
    );

    scopedTest(env, 'bad history queries are refused with INVALID_OPTIONS', async (scope) => {
      const yard = await scope.yard();
      const now = Date.now();
      const bad = [
        { from: now, to: now - HOUR, bucket: '1m' },
        { from: now - HOUR, to: now, bucket: '5m' },
        { from: 'yesterday', to: now, bucket: '1h' },
        { from: now - HOUR, to: now, bucket: '1m', colour: 'red' },
        { from: now - 30 * 24 * HOUR, to: now, bucket: '1m' },
        { from: now - HOUR, to: now, bucket: '1m', queue: 'no spaces allowed' },
      ];
      for (const query of bad) {
        await expectRejectsWithCode(() => yard.stats.history(query as never), 'INVALID_OPTIONS');
      }
    });
  });
}
