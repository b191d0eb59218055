/**
 * Retry timing for each backoff kind, RetryAfterError, NonRetryableError, retryOn,
 * unlimited attempts and exhaustion. Gaps between attempt starts are measured in the
 * handler: at least the backoff delay, at most the delay plus the adapter's delivery latency.
 */
import {
  defineTask,
  type JobContext,
  NonRetryableError,
  RetryAfterError,
  type Switchyard,
  type TaskDefinition,
} from '@switchyard/core';
import { describe, expect } from 'vitest';
import { type SuiteEnv, scopedTest, type TestScope } from '../harness.js';
import { waitForState, waitForTerminal } from '../job-waits.js';
import { EventLog } from '../states.js';
import { ALL_TASKS, echoTask, numbered } from '../tasks.js';
import { waitUntil } from '../wait.js';

/** Slack below a delay, for ms rounding of stored timestamps. */
const CLOCK_GRANULARITY_MS = 2;

/** One attempt as the handler saw it. */
interface SeenAttempt {
  attempt: number;
  jobAttempt: number;
  storedAttempt: number | undefined;
  at: number;
}

/** Starts a worker whose handler fails the first `failures` attempts (via `fail`), then returns 'ok'. */
async function runFlakyJob(
  scope: TestScope,
  yard: Switchyard,
  task: TaskDefinition,
  failures: number,
  fail: (attempt: number) => Error = (attempt) => new Error(`attempt ${attempt} fails`),
): Promise<SeenAttempt[]> {
  const seen: SeenAttempt[] = [];
  await scope.worker(yard, {
    handlers: [
      [
        task,
        async (_payload: unknown, ctx: JobContext) => {
          const at = Date.now();
          const stored = await yard.jobs.get(ctx.job.id);
          seen.push({
            attempt: ctx.attempt,
            jobAttempt: ctx.job.attempt,
            storedAttempt: stored?.attempt,
            at,
          });
          if (ctx.attempt <= failures) throw fail(ctx.attempt);
          return 'ok';
        },
      ],
    ],
  });
  return seen;
}

/** Asserts attempt N+1 started at least `delays[N]` and less than `delays[N]` + delivery slack after attempt N. */
function expectGaps(scope: TestScope, seen: SeenAttempt[], delays: number[]): void {
  expect(seen.map((entry) => entry.attempt)).toEqual(
    delays.map((_, index) => index + 1).concat(delays.length + 1),
  );
  delays.forEach((delay, index) => {
    const gap = seen[index + 1]!.at - seen[index]!.at;
    expect(gap, `gap after attempt ${index + 1}`).toBeGreaterThanOrEqual(delay - CLOCK_GRANULARITY_MS);
    expect(gap, `gap after attempt ${index + 1}`).toBeLessThan(delay + scope.deliverySlackMs);
  });
}

/** Handler's attempt numbers agree with the job record it got and with `jobs.get`. */
function expectAttemptsAgree(seen: SeenAttempt[]): void {
  for (const entry of seen) {
    expect(entry.jobAttempt).toBe(entry.attempt);
    expect(entry.storedAttempt).toBe(entry.attempt);
  }
}

/** Registers the `retries` group of the conformance suite. */
export function registerRetries(env: SuiteEnv): void {
  describe('retries', () => {
    scopedTest(
      env,
      'fixed backoff: attempts are spaced by the delay; attempt counts agree',
      async (scope) => {
        const yard = await scope.yard();
        const log = new EventLog(yard);
        const delay = scope.ms(250);
        const seen = await runFlakyJob(scope, yard, echoTask, 2);
        const { id } = await yard.enqueue(
          echoTask,
          { n: 1 },
          { retry: { attempts: 3, backoff: { type: 'fixed', delay } } },
        );
        const done = await waitForState(yard, id, 'completed', scope.ms(6000));
        expect(done).toMatchObject({ attempt: 3, maxAttempts: 3, result: 'ok' });
        // A completed job carries no error, even after failed attempts (JobRecord.error).
        expect(done.error).toBeUndefined();
        expectGaps(scope, seen, [delay, delay]);
        expectAttemptsAgree(seen);
        expect(log.count('job:retrying', id)).toBe(2);
        log.expectLegalSequences();
      },
    );

    scopedTest(env, 'exponential backoff: delay, delay x factor', async (scope) => {
      const yard = await scope.yard();
      const delay = scope.ms(100);
      const seen = await runFlakyJob(scope, yard, echoTask, 2);
      const { id } = await yard.enqueue(
        echoTask,
        { n: 1 },
        { retry: { attempts: 3, backoff: { type: 'exponential', delay, factor: 3 } } },
      );
      expect(await waitForState(yard, id, 'completed', scope.ms(6000))).toMatchObject({ attempt: 3 });
      expectGaps(scope, seen, [delay, delay * 3]);
    });

    scopedTest(env, 'list backoff: each entry in turn, the last one repeats', async (scope) => {
      const yard = await scope.yard();
      const delays = [scope.ms(100), scope.ms(300)];
      const seen = await runFlakyJob(scope, yard, echoTask, 3);
      const { id } = await yard.enqueue(echoTask, { n: 1 }, { retry: { attempts: 4, backoff: delays } });
      expect(await waitForState(yard, id, 'completed', scope.ms(8000))).toMatchObject({ attempt: 4 });
      expectGaps(scope, seen, [delays[0]!, delays[1]!, delays[1]!]);
    });

    scopedTest(env, 'function backoff on the task: delay computed from the failed attempt', async (scope) => {
      const step = scope.ms(150);
      const fnBackoffTask = defineTask({
        name: 'conformance.fn-backoff',
        schema: numbered,
        retry: { attempts: 3, backoff: (attempt) => attempt * step },
      });
      const yard = await scope.yard({ tasks: [...ALL_TASKS, fnBackoffTask] });
      const seen = await runFlakyJob(scope, yard, fnBackoffTask, 2);
      const { id } = await yard.enqueue(fnBackoffTask, { n: 1 });
      expect(await waitForState(yard, id, 'completed', scope.ms(6000))).toMatchObject({ attempt: 3 });
      expectGaps(scope, seen, [step, 2 * step]);
    });

    scopedTest(
      env,
      'RetryAfterError retries after exactly its delay, overriding the backoff',
      async (scope) => {
        const yard = await scope.yard();
        const retryAfter = scope.ms(300);
        const seen = await runFlakyJob(scope, yard, echoTask, 1, () => new RetryAfterError(retryAfter));
        const { id } = await yard.enqueue(
          echoTask,
          { n: 1 },
          { retry: { attempts: 2, backoff: { type: 'fixed', delay: '1h' } } },
        );
        expect(await waitForState(yard, id, 'completed', scope.ms(5000))).toMatchObject({ attempt: 2 });
        expectGaps(scope, seen, [retryAfter]);
      },
    );

    scopedTest(env, 'NonRetryableError fails the job at once, with attempts left', async (scope) => {
      const yard = await scope.yard();
      const log = new EventLog(yard);
      const seen = await runFlakyJob(scope, yard, echoTask, 5, () => new NonRetryableError('card declined'));
      const { id } = await yard.enqueue(
        echoTask,
        { n: 1 },
        { retry: { attempts: 5, backoff: { type: 'fixed', delay: 10 } } },
      );
      const failed = await waitForState(yard, id, 'failed', scope.ms(3000));
      expect(failed).toMatchObject({ attempt: 1, maxAttempts: 5 });
      expect(failed.error).toMatchObject({ code: 'NON_RETRYABLE', message: 'card declined' });
      expect(seen).toHaveLength(1);
      await waitUntil(() => log.count('job:failed', id) === 1, scope.ms(1000), 'job:failed event');
      expect(log.count('job:retrying', id)).toBe(0);
    });

    scopedTest(env, 'retryOn returning false fails the job at once', async (scope) => {
      const picky = defineTask({
        name: 'conformance.picky',
        schema: numbered,
        retry: {
          attempts: 4,
          backoff: { type: 'fixed', delay: 10 },
          retryOn: (error) => !error.message.includes('fatal'),
        },
      });
      const yard = await scope.yard({ tasks: [...ALL_TASKS, picky] });
      const seen = await runFlakyJob(scope, yard, picky, 4, (attempt) =>
        attempt === 1 ? new Error('transient') : new Error('fatal: stop'),
      );
      const { id } = await yard.enqueue(picky, { n: 1 });
      const failed = await waitForState(yard, id, 'failed', scope.ms(3000));
      expect(failed.attempt).toBe(2);
      expect(failed.error?.message).toBe('fatal: stop');
      expect(seen).toHaveLength(2);
    });

    scopedTest(env, "attempts: 'unlimited' keeps retrying: fails 5 times, then succeeds", async (scope) => {
      const yard = await scope.yard();
      const seen = await runFlakyJob(scope, yard, echoTask, 5);
      const { id } = await yard.enqueue(
        echoTask,
        { n: 1 },
        { retry: { attempts: 'unlimited', backoff: { type: 'fixed', delay: scope.ms(50) } } },
      );
      const done = await waitForState(yard, id, 'completed', scope.ms(8000));
      expect(done).toMatchObject({ attempt: 6, maxAttempts: null, result: 'ok' });
      expect(seen.map((entry) => entry.attempt)).toEqual([1, 2, 3, 4, 5, 6]);
      expectAttemptsAgree(seen);
    });

    scopedTest(env, 'exhausted attempts: failed with the last error, onFailed runs once', async (scope) => {
      const failures: Array<{ payload: unknown; message: string; attempt: number }> = [];
      const doomed = defineTask({
        name: 'conformance.doomed',
        schema: numbered,
        retry: { attempts: 2, backoff: { type: 'fixed', delay: scope.ms(50) } },
        onFailed: (payload, { error, job }) =>
          void failures.push({ payload, message: error.message, attempt: job.attempt }),
      });
      const yard = await scope.yard({ tasks: [...ALL_TASKS, doomed] });
      const log = new EventLog(yard);
      await runFlakyJob(scope, yard, doomed, 99);
      const { id } = await yard.enqueue(doomed, { n: 7 });
      const failed = await waitForTerminal(yard, id, scope.ms(4000));
      expect(failed).toMatchObject({ state: 'failed', attempt: 2, maxAttempts: 2 });
      expect(failed.error?.message).toBe('attempt 2 fails');
      expect(failed.finishedAt).toBeInstanceOf(Date);
      expect(await env.module.readRawState(scope.context(), id)).toBe('failed');
      await waitUntil(
        () => failures.length > 0 && log.count('job:failed', id) > 0,
        scope.ms(1000),
        'onFailed and job:failed',
      );
      await waitUntil(() => log.count('job:enqueued', id) === 1, scope.ms(1000), 'job:enqueued');
      expect(log.lifecycle(id)).toEqual(['job:started', 'job:retrying', 'job:started', 'job:failed']);
      expect(failures).toEqual([{ payload: { n: 7 }, message: 'attempt 2 fails', attempt: 2 }]);
      log.expectLegalSequences();
    });
  });
}
