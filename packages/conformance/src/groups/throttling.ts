/**
 * Throttling (`capabilities.throttle`): a rate limit holds across workers, measured from
 * the jobs' own `startedAt`; per-key slots hold across workers, measured by a counter the
 * handlers keep; waiting never consumes an attempt and keeps priority order; a handler's
 * `RateLimitedError` pushes the task's window back.
 */
import { defineTask, type JobRecord, RateLimitedError, type Switchyard } from '@switchyard/core';
import { expect } from 'vitest';
import { z } from 'zod';
import { hasStrictOrdering } from '../capabilities.js';
import { gatedDescribe, type SuiteEnv, scopedTest, type TestScope } from '../harness.js';
import { waitForState } from '../job-waits.js';
import { sleep, waitUntil } from '../wait.js';

const QUEUE = 'throttled';
const tenantPayload = z.object({ n: z.number().int(), tenant: z.string() });

/** Most starts found in any window `[s, s + windowMs)` of the sorted start times. */
export function busiestWindow(starts: readonly number[], windowMs: number): number {
  const sorted = [...starts].sort((a, b) => a - b);
  let busiest = 0;
  let end = 0;
  for (let begin = 0; begin < sorted.length; begin++) {
    while (end < sorted.length && sorted[end]! < sorted[begin]! + windowMs) end++;
    busiest = Math.max(busiest, end - begin);
  }
  return busiest;
}

async function completedAll(yard: Switchyard, ids: string[], timeoutMs: number): Promise<JobRecord[]> {
  const records: JobRecord[] = [];
  for (const id of ids) records.push(await waitForState(yard, id, 'completed', timeoutMs));
  return records;
}

function startsOf(records: JobRecord[]): number[] {
  return records.map((record) => {
    expect(record.startedAt, `job ${record.id} has a startedAt`).toBeInstanceOf(Date);
    return record.startedAt!.getTime();
  });
}

/** Two yards (two "processes") on one backend, each with a worker. */
async function twoWorkers(
  scope: TestScope,
  tasks: Parameters<TestScope['yard']>[0],
  concurrency: number,
  handler: (payload: any) => Promise<void> | void,
): Promise<Switchyard> {
  const first = await scope.yard(tasks);
  const second = await scope.yard(tasks);
  for (const yard of [first, second]) {
    await scope.worker(yard, {
      concurrency,
      handlers: (tasks?.tasks ?? []).map((task) => [task, handler] as const) as never,
    });
  }
  return first;
}

/** Registers the `throttling` group of the conformance suite. */
export function registerThrottling(env: SuiteEnv): void {
  gatedDescribe(env, 'throttling', 'throttling', () => {
    scopedTest(
      env,
      'rateLimit: 100 jobs on two workers never start more than max per window (from startedAt), no attempt consumed',
      async (scope) => {
        const max = 10;
        const windowMs = scope.ms(300);
        const task = defineTask({
          name: 'conformance.rate-limited',
          queue: QUEUE,
          schema: z.object({ n: z.number().int() }),
          rateLimit: { max, per: windowMs },
          retry: { attempts: 1 },
        });
        const yard = await twoWorkers(scope, { tasks: [task] }, 5, () => undefined);
        const ids = (
          await yard.enqueueMany(
            task,
            Array.from({ length: 100 }, (_, n) => ({ n })),
          )
        ).map((job) => job.id);
        const records = await completedAll(yard, ids, scope.ms(20_000));
        const starts = startsOf(records);
        expect(busiestWindow(starts, windowMs)).toBe(max);
        // 100 starts at 10 per window need at least 9 full windows after the first start.
        expect(Math.max(...starts) - Math.min(...starts)).toBeGreaterThanOrEqual(9 * windowMs);
        expect(records.map((record) => record.attempt)).toEqual(Array(100).fill(1));
      },
      40_000,
    );

    scopedTest(env, 'queueRateLimits: every task of the queue counts against one window', async (scope) => {
      const max = 3;
      const windowMs = scope.ms(300);
      const tasks = ['a', 'b'].map((name) =>
        defineTask({ name: `conformance.queue-limited-${name}`, queue: QUEUE, retry: { attempts: 1 } }),
      );
      const options = { queueRateLimits: { [QUEUE]: { max, per: windowMs } } };
      const yard = await twoWorkers(scope, { tasks, options }, 4, () => undefined);
      const ids: string[] = [];
      for (let n = 0; n < 12; n++) ids.push((await yard.enqueue(tasks[n % 2]!, { n })).id);
      const starts = startsOf(await completedAll(yard, ids, scope.ms(10_000)));
      expect(busiestWindow(starts, windowMs)).toBe(max);
    });

    scopedTest(
      env,
      'concurrencyKey: never more than maxPerKey running per key across workers, while other keys proceed',
      async (scope) => {
        const maxPerKey = 2;
        const task = defineTask({
          name: 'conformance.per-tenant',
          queue: QUEUE,
          schema: tenantPayload,
          concurrencyKey: (payload) => payload.tenant,
          maxPerKey,
          retry: { attempts: 1 },
        });
        const running = new Map<string, number>();
        const busiest = new Map<string, number>();
        let total = 0;
        let busiestTotal = 0;
        const yard = await twoWorkers(scope, { tasks: [task] }, 4, async (payload: { tenant: string }) => {
          const now = (running.get(payload.tenant) ?? 0) + 1;
          running.set(payload.tenant, now);
          busiest.set(payload.tenant, Math.max(busiest.get(payload.tenant) ?? 0, now));
          busiestTotal = Math.max(busiestTotal, ++total);
          try {
            await sleep(scope.ms(100));
          } finally {
            running.set(payload.tenant, running.get(payload.tenant)! - 1);
            total--;
          }
        });
        const payloads = [
          ...Array.from({ length: 8 }, (_, n) => ({ n, tenant: 'a' })),
          ...Array.from({ length: 8 }, (_, n) => ({ n, tenant: 'b' })),
          ...Array.from({ length: 4 }, (_, n) => ({ n, tenant: 'c' })),
        ];
        const ids = (await yard.enqueueMany(task, payloads)).map((job) => job.id);
        const records = await completedAll(yard, ids, scope.ms(15_000));
        expect(Object.fromEntries(busiest)).toEqual({ a: maxPerKey, b: maxPerKey, c: maxPerKey });
        // Eight worker slots: with three keys, more than one key's worth ran at once.
        expect(busiestTotal).toBeGreaterThan(maxPerKey);
        expect(records.map((record) => record.attempt)).toEqual(Array(payloads.length).fill(1));
      },
    );

    scopedTest(
      env,
      'RateLimitedError: the job waits its delay without consuming the attempt, and the task waits with it',
      async (scope) => {
        const delayMs = scope.ms(500);
        const task = defineTask({
          name: 'conformance.partner-429',
          queue: QUEUE,
          schema: z.object({ n: z.number().int() }),
          rateLimit: { max: 100, per: '1s' },
          retry: { attempts: 1 },
        });
        let thrownAt = 0;
        const yard = await scope.yard({ tasks: [task] });
        await scope.worker(yard, {
          concurrency: 2,
          handlers: [
            [
              task,
              (payload: { n: number }, ctx) => {
                if (payload.n === 0 && ctx.attempt === 1 && thrownAt === 0) {
                  thrownAt = Date.now();
                  throw new RateLimitedError(delayMs);
                }
              },
            ],
          ],
        });
        const first = await yard.enqueue(task, { n: 0 });
        await waitUntil(async () => thrownAt > 0, scope.ms(5000), 'the handler to throw RateLimitedError');
        const limited = await waitForState(
          yard,
          first.id,
          ['retrying', 'pending', 'completed'],
          scope.ms(5000),
        );
        const second = await yard.enqueue(task, { n: 1 });
        const records = await completedAll(yard, [first.id, second.id], scope.ms(10_000));
        // Waiting, the attempt is given back (0); it is 1 again once the job ran.
        expect(limited.attempt).toBe(limited.state === 'completed' ? 1 : 0);
        for (const record of records) {
          expect(record.attempt).toBe(1);
          expect(record.startedAt!.getTime()).toBeGreaterThanOrEqual(thrownAt + delayMs);
        }
      },
    );

    scopedTest(
      env,
      "the throttle store's answers follow the contract (rate, line, block, slots)",
      async (scope) => {
        const yard = await scope.yard({ tasks: [] });
        const store = yard.adapter.throttle!;
        const rate = (now: number, member: string) =>
          store.acquire({ kind: 'rate', key: 'k-rate', max: 2, windowMs: 100, now, member });
        const t = 1_000_000;
        expect(await rate(t, 'a')).toEqual({ granted: true });
        expect(await rate(t + 10, 'b')).toEqual({ granted: true });
        // Older than the newest grant: refused, ask again at once.
        expect(await rate(t + 5, 'c')).toEqual({ granted: false, retryAt: t + 5 });
        // Full: the oldest grant frees at t + 100, beyond one share (50) of the window: the line starts there.
        expect(await rate(t + 20, 'c')).toEqual({ granted: false, retryAt: t + 100 });
        expect(await rate(t + 21, 'd')).toEqual({ granted: false, retryAt: t + 150 });
        expect(await rate(t + 22, 'e')).toEqual({ granted: false, retryAt: t + 200 });
        // Within one share of the oldest grant's exit: ask again right then, the line unchanged.
        expect(await rate(t + 60, 'f')).toEqual({ granted: false, retryAt: t + 100 });
        // (t, t + 100] no longer holds `a`.
        expect(await rate(t + 100, 'c')).toEqual({ granted: true });
        // `b` (t + 10) left the window at t + 110 too; the line goes on from where it was.
        expect(await rate(t + 110, 'd')).toEqual({ granted: true });
        expect(await rate(t + 120, 'e')).toEqual({ granted: false, retryAt: t + 250 });
        await store.block('k-rate', t + 500);
        expect(await rate(t + 300, 'g')).toEqual({ granted: false, retryAt: t + 500 });
        expect(await rate(t + 500, 'g')).toEqual({ granted: true });

        const slot = (now: number, holder: string) =>
          store.acquire({ kind: 'slot', key: 'k-slot', max: 1, holder, ttlMs: 100, now });
        expect(await slot(t, 'x')).toEqual({ granted: true });
        expect(await slot(t + 10, 'y')).toEqual({ granted: false, retryAt: t + 100 });
        // The holder renews its slot, moving its expiry.
        expect(await slot(t + 50, 'x')).toEqual({ granted: true });
        expect(await slot(t + 120, 'y')).toEqual({ granted: false, retryAt: t + 150 });
        // Expired: the slot comes back.
        expect(await slot(t + 150, 'y')).toEqual({ granted: true });
        await store.release('k-slot', 'y');
        expect(await slot(t + 151, 'z')).toEqual({ granted: true });
      },
    );

    scopedTest(env, 'jobs waiting for the rate limit start in priority order', async (scope) => {
      const windowMs = scope.ms(250);
      const task = defineTask({
        name: 'conformance.rate-ordered',
        queue: QUEUE,
        schema: z.object({ n: z.number().int() }),
        rateLimit: { max: 1, per: windowMs },
        retry: { attempts: 1 },
      });
      const yard = await scope.yard({ tasks: [task] });
      const priorities = [4, 7, 1, 9, 3];
      const ids: string[] = [];
      for (const [n, priority] of priorities.entries())
        ids.push((await yard.enqueue(task, { n }, { priority })).id);
      const order: number[] = [];
      await scope.worker(yard, {
        concurrency: 2,
        handlers: [[task, (payload: { n: number }) => void order.push(priorities[payload.n]!)]],
      });
      const starts = startsOf(await completedAll(yard, ids, scope.ms(10_000)));
      expect(busiestWindow(starts, windowMs)).toBe(1);
      if (hasStrictOrdering(env.capabilities)) expect(order).toEqual([1, 3, 4, 7, 9]);
      else expect([...order].sort()).toEqual([1, 3, 4, 7, 9]);
    });
  });
}
