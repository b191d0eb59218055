/**
 * Every observed state sequence is legal. Gates hold the job in each state long
 * enough for `jobs.get` to see it, so the polled sequence is complete and can be
 * checked transition by transition with core's `checkSequence`.
 */
import type { JobState, Switchyard } from '@switchyard/core';
import { describe, expect } from 'vitest';
import { type SuiteEnv, scopedTest } from '../harness.js';
import { waitForState } from '../job-waits.js';
import { EventLog, expectLegalSequence } from '../states.js';
import { echoTask } from '../tasks.js';
import { createGate, sleep } from '../wait.js';

/** Records the state `jobs.get` reports each time it is called. */
function stateProbe(yard: Switchyard, id: string) {
  const seen: JobState[] = [];
  return {
    seen,
    async observe(): Promise<JobState> {
      const job = await yard.jobs.get(id);
      if (!job) throw new Error(`job ${id} vanished`);
      seen.push(job.state);
      return job.state;
    },
  };
}

/** Registers the `state-machine` group of the conformance suite. */
export function registerStateMachine(env: SuiteEnv): void {
  describe('state-machine', () => {
    scopedTest(
      env,
      'scheduled -> running -> retrying -> running -> completed, each state observed',
      async (scope) => {
        const yard = await scope.yard();
        const log = new EventLog(yard);
        const started = [createGate(), createGate()];
        const release = [scope.gate(), scope.gate()];
        const { id } = await yard.enqueue(
          echoTask,
          { n: 1 },
          { delay: scope.ms(200), retry: { attempts: 2, backoff: { type: 'fixed', delay: scope.ms(400) } } },
        );
        const probe = stateProbe(yard, id);
        expect(await probe.observe()).toBe('scheduled');
        await sleep(scope.ms(250));
        await scope.worker(yard, {
          handlers: [
            [
              echoTask,
              async (_payload, ctx) => {
                const index = ctx.attempt - 1;
                started[index]!.open();
                await release[index]!.opened;
                if (ctx.attempt === 1) throw new Error('first attempt fails');
                return 'done';
              },
            ],
          ],
        });
        await started[0]!.opened;
        expect(await probe.observe()).toBe('running');
        release[0]!.open();
        await waitForState(yard, id, 'retrying', scope.ms(3000));
        await probe.observe();
        await started[1]!.opened;
        expect(await probe.observe()).toBe('running');
        release[1]!.open();
        const done = await waitForState(yard, id, 'completed', scope.ms(3000));
        await probe.observe();
        expect(done.attempt).toBe(2);
        expectLegalSequence(probe.seen, 'polled states');
        expect(probe.seen.filter((state) => state === 'running')).toHaveLength(2);
        log.expectLegalSequences();
        expect(log.states(id)).toEqual(['scheduled', 'running', 'retrying', 'running', 'completed']);
      },
    );

    scopedTest(
      env,
      'pending -> cancelled -> (manual retry) pending -> running -> completed',
      async (scope) => {
        const yard = await scope.yard();
        const log = new EventLog(yard);
        const { id } = await yard.enqueue(echoTask, { n: 1 });
        const probe = stateProbe(yard, id);
        expect(await probe.observe()).toBe('pending');
        expect(await yard.jobs.cancel(id)).toBe('cancelled');
        expect(await probe.observe()).toBe('cancelled');
        const retried = await yard.jobs.retry(id);
        expect(retried).toMatchObject({ id, state: 'pending', attempt: 0 });
        log.observe(id, retried!.state);
        expect(await probe.observe()).toBe('pending');
        const started = createGate();
        const release = scope.gate();
        await scope.worker(yard, {
          handlers: [
            [
              echoTask,
              async () => {
                started.open();
                await release.opened;
              },
            ],
          ],
        });
        await started.opened;
        expect(await probe.observe()).toBe('running');
        release.open();
        await waitForState(yard, id, 'completed', scope.ms(3000));
        await probe.observe();
        expect(probe.seen).toEqual(['pending', 'cancelled', 'pending', 'running', 'completed']);
        expectLegalSequence(probe.seen, 'polled states');
        log.expectLegalSequences();
      },
    );

    scopedTest(env, 'failed -> (manual retry with a fresh attempt budget) -> completed', async (scope) => {
      const yard = await scope.yard();
      let runs = 0;
      await scope.worker(yard, {
        handlers: [
          [
            echoTask,
            () => {
              runs++;
              if (runs === 1) throw new Error('boom');
              return 'second time lucky';
            },
          ],
        ],
      });
      const { id } = await yard.enqueue(echoTask, { n: 1 }, { retry: { attempts: 1 } });
      const failed = await waitForState(yard, id, 'failed', scope.ms(3000));
      expect(failed).toMatchObject({ attempt: 1, maxAttempts: 1 });
      expect(failed.error?.message).toContain('boom');
      const retried = await yard.jobs.retry(id);
      expect(retried).toMatchObject({ id, state: 'pending', attempt: 0, maxAttempts: 1 });
      const done = await waitForState(yard, id, 'completed', scope.ms(3000));
      expect(done).toMatchObject({ attempt: 1, result: 'second time lucky' });
      expect(runs).toBe(2);
    });

    scopedTest(env, 'a completed job cannot be retried or cancelled and never changes', async (scope) => {
      const yard = await scope.yard();
      await scope.worker(yard, { handlers: [[echoTask, () => 'ok']] });
      const { id } = await yard.enqueue(echoTask, { n: 1 });
      const done = await waitForState(yard, id, 'completed', scope.ms(3000));
      expect(await yard.jobs.retry(id)).toBeNull();
      expect(await yard.jobs.cancel(id)).toBe('finished');
      expect(await yard.jobs.get(id)).toMatchObject({
        state: 'completed',
        attempt: done.attempt,
        result: 'ok',
      });
      expect(await env.module.readRawState(scope.context(), id)).toBe('completed');
    });
  });
}
