/** At most one unfinished job per (task, uniqueKey); the key is free again once the job ends. */
import { DuplicateJobError } from '@switchyard/core';
import { describe, expect } from 'vitest';
import { type SuiteEnv, scopedTest } from '../harness.js';
import { expectRejectsWithCode, totalJobs, waitForState } from '../job-waits.js';
import { echoTask, lowPriorityTask } from '../tasks.js';
import { waitUntil } from '../wait.js';

/** Registers the `uniqueness` group of the conformance suite. */
export function registerUniqueness(env: SuiteEnv): void {
  describe('uniqueness', () => {
    scopedTest(
      env,
      'a second enqueue with the same key throws DuplicateJobError naming the first job',
      async (scope) => {
        const yard = await scope.yard();
        const first = await yard.enqueue(echoTask, { n: 1 }, { uniqueKey: 'user-1' });
        const error = await expectRejectsWithCode(
          () => yard.enqueue(echoTask, { n: 2 }, { uniqueKey: 'user-1' }),
          'DUPLICATE_JOB',
        );
        expect(error).toBeInstanceOf(DuplicateJobError);
        expect((error as DuplicateJobError).existingJobId).toBe(first.id);
        expect(await totalJobs(yard)).toBe(1);
        expect((await yard.jobs.get(first.id))!.payload).toEqual({ n: 1 });
        expect((await yard.jobs.get(first.id))!.uniqueKey).toBe('user-1');
        // The key is per task, and other keys are unaffected.
        await yard.enqueue(lowPriorityTask, { n: 3 }, { uniqueKey: 'user-1' });
        await yard.enqueue(echoTask, { n: 4 }, { uniqueKey: 'user-2' });
        expect(await totalJobs(yard)).toBe(3);
      },
    );

    scopedTest(env, 'a scheduled job holds its key too', async (scope) => {
      const yard = await scope.yard();
      const first = await yard.enqueue(echoTask, { n: 1 }, { uniqueKey: 'later', delay: '1h' });
      const error = await expectRejectsWithCode(
        () => yard.enqueue(echoTask, { n: 2 }, { uniqueKey: 'later' }),
        'DUPLICATE_JOB',
      );
      expect((error as DuplicateJobError).existingJobId).toBe(first.id);
    });

    scopedTest(env, 'the key is free again after the job completes, fails or is cancelled', async (scope) => {
      const yard = await scope.yard();
      await scope.worker(yard, {
        handlers: [
          [
            echoTask,
            (payload: { n: number }) => {
              if (payload.n < 0) throw new Error('negative');
              return payload.n;
            },
          ],
        ],
      });
      const completed = await yard.enqueue(echoTask, { n: 1 }, { uniqueKey: 'k' });
      await waitForState(yard, completed.id, 'completed', scope.ms(3000));
      const failed = await yard.enqueue(echoTask, { n: -1 }, { uniqueKey: 'k', retry: { attempts: 1 } });
      expect(failed.id).not.toBe(completed.id);
      await waitForState(yard, failed.id, 'failed', scope.ms(3000));
      const scheduled = await yard.enqueue(echoTask, { n: 2 }, { uniqueKey: 'k', delay: '1h' });
      expect(await yard.jobs.cancel(scheduled.id)).toBe('cancelled');
      const last = await yard.enqueue(echoTask, { n: 3 }, { uniqueKey: 'k' });
      await waitForState(yard, last.id, 'completed', scope.ms(3000));
      expect(new Set([completed.id, failed.id, scheduled.id, last.id]).size).toBe(4);
    });

    scopedTest(env, 'a running job still holds its key', async (scope) => {
      const yard = await scope.yard();
      const release = scope.gate();
      let started = false;
      await scope.worker(yard, {
        handlers: [
          [
            echoTask,
            async () => {
              started = true;
              await release.opened;
            },
          ],
        ],
      });
      const first = await yard.enqueue(echoTask, { n: 1 }, { uniqueKey: 'busy' });
      // The state reads `running` from the moment the lease is handed out, a little before the
      // handler is called: wait for the handler itself, then check the job is running.
      await waitUntil(() => started, scope.ms(3000), 'the handler to start');
      expect((await yard.jobs.get(first.id))?.state).toBe('running');
      const error = await expectRejectsWithCode(
        () => yard.enqueue(echoTask, { n: 2 }, { uniqueKey: 'busy' }),
        'DUPLICATE_JOB',
      );
      expect((error as DuplicateJobError).existingJobId).toBe(first.id);
      release.open();
      await waitForState(yard, first.id, 'completed', scope.ms(3000));
      await yard.enqueue(echoTask, { n: 3 }, { uniqueKey: 'busy' });
    });
  });
}
