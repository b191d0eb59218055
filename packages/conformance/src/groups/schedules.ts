/**
 * Schedules are stored in the backend (list/get/pause/resume/remove) and fire exactly
 * once per tick however many schedulers run; missed ticks are not replayed.
 */
import type { JobRecord, Switchyard } from '@switchyard/core';
import { describe, expect } from 'vitest';
import { type SuiteEnv, scopedTest, type TestScope } from '../harness.js';
import { waitForState } from '../job-waits.js';
import { echoTask } from '../tasks.js';
import { sleep, waitUntil } from '../wait.js';

const EVERY_SECOND = '*/1 * * * * *';
/** How many ticks the two-scheduler test waits for. */
const TICKS = 3;

/** The tick a schedule job belongs to: core's `scheduleTick` metadata, else its runAt second. */
function tickOf(job: JobRecord): string {
  return job.metadata.scheduleTick ?? new Date(Math.floor(job.runAt.getTime() / 1000) * 1000).toISOString();
}

async function jobsOfTask(yard: Switchyard, task: string): Promise<JobRecord[]> {
  const jobs: JobRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await yard.jobs.list({ task, limit: 100, ...(cursor ? { cursor } : {}) });
    jobs.push(...page.jobs);
    cursor = page.nextCursor;
  } while (cursor);
  return jobs;
}

/** A yard with a scheduler-running worker that counts runs per job id. */
async function schedulingYard(scope: TestScope, runs: Map<string, number>): Promise<Switchyard> {
  const yard = await scope.yard();
  await scope.worker(yard, {
    concurrency: 2,
    scheduler: true,
    handlers: [[echoTask, (_payload, ctx) => void runs.set(ctx.job.id, (runs.get(ctx.job.id) ?? 0) + 1)]],
  });
  return yard;
}

/** Registers the `schedules` group of the conformance suite. */
export function registerSchedules(env: SuiteEnv): void {
  describe('schedules', () => {
    scopedTest(env, 'upsert / get / list / pause / resume / remove', async (scope) => {
      const yard = await scope.yard();
      const before = Date.now();
      const created = await yard.schedules.upsert({
        key: 'tick',
        task: echoTask,
        cron: EVERY_SECOND,
        payload: { n: 1 },
      });
      expect(created).toMatchObject({
        key: 'tick',
        task: echoTask.name,
        queue: 'default',
        paused: false,
        payload: { n: 1 },
      });
      expect(created.nextRunAt.getTime()).toBeGreaterThan(before - 1000);
      expect(created.nextRunAt.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
      await yard.schedules.upsert({ key: 'heartbeat', task: echoTask, every: '1h', payload: { n: 2 } });
      // Upsert replaces by key.
      await yard.schedules.upsert({ key: 'tick', task: echoTask, cron: EVERY_SECOND, payload: { n: 3 } });
      const listed = await yard.schedules.list();
      expect(listed.map((schedule) => schedule.key).sort()).toEqual(['heartbeat', 'tick']);
      expect((await yard.schedules.get('tick'))!.payload).toEqual({ n: 3 });
      expect((await yard.schedules.get('heartbeat'))!.everyMs).toBe(3_600_000);
      // Stored in the backend: another yard on the prefix sees them.
      const other = await scope.yard();
      expect((await other.schedules.list()).map((schedule) => schedule.key).sort()).toEqual([
        'heartbeat',
        'tick',
      ]);
      expect(await yard.schedules.pause('tick')).toBe(true);
      expect((await other.schedules.get('tick'))!.paused).toBe(true);
      expect(await yard.schedules.resume('tick')).toBe(true);
      expect((await other.schedules.get('tick'))!.paused).toBe(false);
      expect(await yard.schedules.remove('tick')).toBe(true);
      expect(await yard.schedules.remove('tick')).toBe(false);
      expect(await yard.schedules.get('tick')).toBeNull();
      expect(await yard.schedules.pause('tick')).toBe(false);
      expect((await yard.schedules.list()).map((schedule) => schedule.key)).toEqual(['heartbeat']);
    });

    scopedTest(
      env,
      'two schedulers on one backend fire an every-second cron exactly once per tick; pause stops it',
      async (scope) => {
        const runs = new Map<string, number>();
        const first = await schedulingYard(scope, runs);
        await schedulingYard(scope, runs);
        const upsertedAt = Date.now();
        await first.schedules.upsert({
          key: 'every-second',
          task: echoTask,
          cron: EVERY_SECOND,
          payload: { n: 1 },
        });
        // Wait for ticks instead of sleeping: three ticks of an every-second cron.
        await waitUntil(
          async () => (await jobsOfTask(first, echoTask.name)).length >= TICKS,
          scope.ms(TICKS * 1000 + 1000) + scope.deliverySlackMs,
          `${TICKS} ticks`,
        );
        expect(await first.schedules.pause('every-second')).toBe(true);
        const pausedAt = Date.now();
        // Paused: no tick after the pause may fire (a window in which nothing may happen).
        await sleep(scope.ms(1500));
        const jobs = await jobsOfTask(first, echoTask.name);
        const ticks = jobs.map(tickOf);
        // Exactly once per tick: as many distinct ticks as jobs, however many schedulers ran.
        expect(new Set(ticks).size, `ticks: ${ticks.join(', ')}`).toBe(jobs.length);
        expect(jobs.length).toBeGreaterThanOrEqual(TICKS);
        // Only the cron's ticks: whole seconds from the upsert on; one claimed just before the
        // pause may still be enqueued, but none due after it.
        for (const tick of ticks) {
          const at = new Date(tick).getTime();
          expect(at % 1000, `tick ${tick}`).toBe(0);
          expect(at, `tick ${tick}`).toBeGreaterThan(upsertedAt - 1000);
          expect(at, `tick ${tick}`).toBeLessThanOrEqual(pausedAt);
        }
        for (const job of jobs) {
          expect(job.payload).toEqual({ n: 1 });
          await waitForState(first, job.id, 'completed', scope.ms(3000));
        }
        expect([...runs.values()].every((count) => count === 1)).toBe(true);
        expect(runs.size).toBe(jobs.length);
        expect(await first.schedules.resume('every-second')).toBe(true);
        await waitUntil(
          async () => (await jobsOfTask(first, echoTask.name)).length > jobs.length,
          scope.ms(3000),
          'a tick after resume',
        );
      },
      40_000,
    );

    scopedTest(env, "an 'every' schedule fires repeatedly", async (scope) => {
      const runs = new Map<string, number>();
      const yard = await schedulingYard(scope, runs);
      await yard.schedules.upsert({ key: 'interval', task: echoTask, every: '1s', payload: { n: 5 } });
      await waitUntil(() => runs.size >= 2, scope.ms(4000), 'two runs of the interval schedule');
      const ticks = (await jobsOfTask(yard, echoTask.name)).map(tickOf);
      expect(new Set(ticks).size).toBe(ticks.length);
    });

    scopedTest(env, 'missed ticks while no scheduler ran are not replayed', async (scope) => {
      const yard = await scope.yard();
      await yard.schedules.upsert({ key: 'missed', task: echoTask, cron: EVERY_SECOND, payload: { n: 1 } });
      await sleep(scope.ms(2500));
      const schedulerStart = Date.now();
      const runs = new Map<string, number>();
      await schedulingYard(scope, runs);
      // Two ticks: by the second, any replay of missed ticks would have been enqueued.
      await waitUntil(
        async () => (await jobsOfTask(yard, echoTask.name)).length >= 2,
        scope.ms(3000) + scope.deliverySlackMs,
        'two ticks',
      );
      const old = (await jobsOfTask(yard, echoTask.name)).filter(
        (job) => new Date(tickOf(job)).getTime() < schedulerStart - 1000,
      );
      expect(old.map(tickOf)).toEqual([]);
    });
  });
}
