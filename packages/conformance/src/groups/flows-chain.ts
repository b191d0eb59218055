/**
 * Flows, part 1: chains. Results pass from step to step (or not, per step); a failed step
 * fails the chain and what had not started never starts; a flow is cancelled as a whole;
 * an input over the payload cap fails its step with a typed error; bad definitions are
 * refused with typed errors and nothing written; a worker stalled or killed between a
 * step's outcome and the next step does not stall the flow, and no handler runs twice.
 */
import { chain, flowStepJobId, group, newJobId, step } from '@switchyard/core';
import { describe, expect } from 'vitest';
import { effectivePayloadLimit } from '../capabilities.js';
import { spawnChild } from '../children.js';
import { flowWorker, op, StepRuns, stallingEnqueue, stepAt, waitForFlow } from '../flow-support.js';
import { gatedDescribe, type SuiteEnv, scopedTest } from '../harness.js';
import { expectNoJobs, expectRejectsWithCode, waitForState } from '../job-waits.js';
import { echoTask, flowRetryTask, flowTask, signupTask } from '../tasks.js';
import { waitUntil } from '../wait.js';

/** Registers the `flows-chain` group of the conformance suite. */
export function registerFlowsChain(env: SuiteEnv): void {
  describe('flows-chain', () => {
    scopedTest(env, 'a chain passes each result on; its steps are ordinary jobs', async (scope) => {
      const yard = await scope.yard();
      const runs = new StepRuns();
      const completed: string[] = [];
      yard.on('job:completed', ({ job }) => completed.push(job.id));
      await flowWorker(scope, yard, runs);
      const { id } = await yard.flow(
        chain(
          step(flowTask, 2, op('inc')),
          step(flowTask, undefined, op('double')),
          step(flowTask, undefined, op('double')),
        ),
        { metadata: { tenant: 'a' } },
      );
      const flow = await waitForFlow(yard, id, scope.ms(10_000));
      expect(flow).toMatchObject({ id, state: 'completed', result: 12, metadata: { tenant: 'a' } });
      expect(flow.steps.map((entry) => entry.path)).toEqual(['0', '1', '2']);
      expect(flow.steps.map((entry) => entry.jobId)).toEqual(
        ['0', '1', '2'].map((path) => flowStepJobId(id, path)),
      );
      expect(flow.steps.map((entry) => entry.job?.payload)).toEqual([2, 3, 6]);
      expect(flow.steps.map((entry) => entry.job?.result)).toEqual([3, 6, 12]);
      for (const entry of flow.steps) {
        // An ordinary job: readable by id, listed by task, announced, run once.
        const job = await yard.jobs.get(entry.jobId);
        expect(job).toMatchObject({ state: 'completed', task: flowTask.name, queue: 'flows', attempt: 1 });
        expect(job!.metadata).toMatchObject({
          tenant: 'a',
          'switchyard.flow': id,
          'switchyard.step': entry.path,
        });
        expect(runs.of(entry.jobId)).toBe(1);
      }
      const listed = (await yard.jobs.list({ task: flowTask.name })).jobs.map((job) => job.id);
      expect(new Set(listed)).toEqual(new Set(flow.steps.map((entry) => entry.jobId)));
      await waitUntil(() => completed.length >= 3, scope.ms(2000), 'job:completed for every step');
      expect(completed.filter((jobId) => flow.steps.some((entry) => entry.jobId === jobId))).toHaveLength(3);
    });

    scopedTest(env, 'a step opts out of the previous result, or takes it under a key', async (scope) => {
      const yard = await scope.yard();
      const runs = new StepRuns();
      await flowWorker(scope, yard, runs);
      const { id } = await yard.flow(
        chain(
          step(flowTask, 1, op('inc')),
          step(flowTask, { fixed: true }, op('echo')),
          step(flowTask, 40, op('inc', { input: 'none' })),
          step(flowTask, { tag: 'x' }, op('echo', { input: { key: 'previous' } })),
        ),
      );
      const flow = await waitForFlow(yard, id, scope.ms(10_000));
      expect(flow.state).toBe('completed');
      expect(flow.steps.map((entry) => entry.job?.payload)).toEqual([
        1,
        { fixed: true },
        40,
        { tag: 'x', previous: 41 },
      ]);
      expect(flow.result).toEqual({ tag: 'x', previous: 41 });
    });

    scopedTest(
      env,
      'a step failing after its retries fails the chain; later steps never start',
      async (scope) => {
        const yard = await scope.yard();
        const runs = new StepRuns();
        await flowWorker(scope, yard, runs);
        const { id } = await yard.flow(
          chain(
            step(flowTask, 1, op('inc')),
            step(flowRetryTask, undefined, op('fail')),
            step(flowTask, undefined, op('inc')),
            step(flowTask, undefined, op('inc')),
          ),
        );
        const flow = await waitForFlow(yard, id, scope.ms(10_000));
        expect(flow.state).toBe('failed');
        expect(flow.error?.message).toContain('fails on purpose');
        expect(flow.steps.map((entry) => entry.state)).toEqual([
          'completed',
          'failed',
          'cancelled',
          'cancelled',
        ]);
        expect(stepAt(flow, '1').job).toMatchObject({ state: 'failed', attempt: 2 });
        expect(runs.withOp('fail')).toBe(2);
        expect(runs.withOp('inc')).toBe(1);
        for (const path of ['2', '3']) {
          expect(stepAt(flow, path).job).toBeNull();
          expect(await yard.jobs.get(flowStepJobId(id, path))).toBeNull();
        }
        expect(await yard.flows.cancel(id)).toBe('finished');
      },
    );

    scopedTest(env, 'cancelling a flow cancels waiting steps and stops running ones', async (scope) => {
      const yard = await scope.yard();
      const runs = new StepRuns();
      await flowWorker(scope, yard, runs, { concurrency: 1 });
      const { id } = await yard.flow(
        group(
          chain(step(flowTask, 1, op('block')), step(flowTask, undefined, op('inc'))),
          step(flowTask, 2, op('block')),
        ),
      );
      await waitUntil(() => runs.withOp('block') === 1, scope.ms(5000), 'one blocking step to start');
      const running = await yard.flows.get(id);
      expect(running?.state).toBe('running');
      expect(running?.steps.map((entry) => entry.state).sort()).toEqual(['pending', 'running', 'waiting']);
      expect(await yard.flows.cancel(id)).toBe('cancelled');
      const flow = await waitForFlow(yard, id, scope.ms(5000));
      expect(flow.state).toBe('cancelled');
      expect(flow.steps.map((entry) => entry.state)).toEqual(['cancelled', 'cancelled', 'cancelled']);
      expect(stepAt(flow, '0.1').job).toBeNull();
      // The running step was stopped through its signal, the waiting one never ran.
      expect(runs.withOp('block')).toBe(1);
      expect(runs.withOp('inc')).toBe(0);
      expect(await yard.flows.cancel(id)).toBe('finished');
    });

    scopedTest(env, 'an input over the payload cap fails its step with a typed error', async (scope) => {
      const limit = Math.min(2048, effectivePayloadLimit(env.capabilities));
      const yard = await scope.yard({ maxPayloadBytes: limit });
      const runs = new StepRuns();
      await flowWorker(scope, yard, runs);
      const { id } = await yard.flow(
        chain(step(flowTask, limit + 10, op('big')), step(flowTask, undefined, op('echo'))),
      );
      const flow = await waitForFlow(yard, id, scope.ms(10_000));
      expect(flow.state).toBe('failed');
      const receiver = stepAt(flow, '1').job!;
      expect(receiver.state).toBe('failed');
      expect(receiver.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', name: 'FlowInputTooLargeError' });
      expect(receiver.error?.message).toContain(`the payload limit is ${limit} bytes`);
      expect(receiver.payload).toBeNull();
      expect(runs.withOp('echo')).toBe(0);
      expect(flow.error?.code).toBe('PAYLOAD_TOO_LARGE');
    });

    scopedTest(env, 'bad definitions are refused with typed errors and nothing is written', async (scope) => {
      const yard = await scope.yard();
      const bad = (root: unknown, options?: unknown) => () => yard.flow(root as never, options as never);
      const cases: [string, () => Promise<unknown>][] = [
        ['INVALID_OPTIONS', bad(chain())],
        ['INVALID_OPTIONS', bad(group())],
        ['INVALID_OPTIONS', bad(null)],
        ['INVALID_OPTIONS', bad({ kind: 'loop' })],
        [
          'INVALID_OPTIONS',
          bad({ kind: 'chord', group: chain(step(flowTask, 1)), callback: step(flowTask) }),
        ],
        ['UNKNOWN_TASK', bad(step('conformance.no-such-task', 1))],
        ['VALIDATION_FAILED', bad(chain(step(flowTask, 1), step(signupTask, { email: 'nope', count: -1 })))],
        ['VALIDATION_FAILED', bad(step(flowTask, new Date()))],
        ['INVALID_OPTIONS', bad(chain(step(flowTask), step(flowTask)))],
        ['INVALID_OPTIONS', bad(group(step(flowTask, 1), step(flowTask)))],
        ['INVALID_OPTIONS', bad(chain(step(flowTask, 1), step(flowTask, 2, { input: 'payload' })))],
        ['INVALID_OPTIONS', bad(chain(step(flowTask, 1), step(flowTask, 2, { input: { key: 'x' } })))],
        [
          'INVALID_OPTIONS',
          bad(chain(step(flowTask, 1), step(flowTask, undefined, { input: 'sideways' as never }))),
        ],
        ['INVALID_OPTIONS', bad(step(flowTask, 1, { uniqueKey: 'u' } as never))],
        ['INVALID_OPTIONS', bad(step(flowTask, 1, { delay: '1s' } as never))],
        ['INVALID_OPTIONS', bad(step(flowTask, 1, { priority: 12 }))],
        ['INVALID_OPTIONS', bad(step(flowTask, 1, { metadata: { 'switchyard.flow': 'x' } }))],
        ['INVALID_OPTIONS', bad(step(flowTask, 1, { metadata: { n: 1 as never } }))],
        ['INVALID_OPTIONS', bad(step(flowTask, 1), { id: 'not-a-uuid' })],
        ['INVALID_OPTIONS', bad(group(...Array.from({ length: 1001 }, (_, n) => step(echoTask, { n }))))],
        [
          'INVALID_OPTIONS',
          bad(Array.from({ length: 20 }).reduce<unknown>((node) => chain(node as never), step(flowTask, 1))),
        ],
        ['PAYLOAD_TOO_LARGE', bad(step(flowTask, 'x'.repeat(effectivePayloadLimit(env.capabilities) + 1)))],
        ['INVALID_OPTIONS', () => yard.flows.get('not-a-uuid')],
        ['INVALID_OPTIONS', () => yard.flows.cancel('not-a-uuid')],
      ];
      for (const [code, attempt] of cases) await expectRejectsWithCode(attempt, code);
      await expectNoJobs(yard);
      expect(await yard.flows.get(newJobId())).toBeNull();
      expect(await yard.flows.cancel(newJobId())).toBe('not_found');
      const plain = await yard.enqueue(echoTask, { n: 1 });
      expect(await yard.flows.get(plain.id)).toBeNull();
    });

    gatedDescribe(env, 'bad-input/tx-unsupported', 'a flow in a transaction (unsupported)', () => {
      scopedTest(
        env,
        'tx on an adapter without transactionalEnqueue throws CapabilityError',
        async (scope) => {
          const yard = await scope.yard();
          await expectRejectsWithCode(
            () => yard.flow(step(flowTask, 1), { tx: {} }),
            'CAPABILITY_UNSUPPORTED',
          );
          await expectNoJobs(yard);
        },
      );
    });

    scopedTest(
      env,
      'a worker stalled after a step recorded its outcome: another worker finishes the step without running it again',
      async (scope) => {
        const main = await scope.yard();
        const runs = new StepRuns();
        const release = scope.gate();
        const stalls: string[][] = [];
        const stalled = await scope.yard({
          adapter: stallingEnqueue(scope.adapter(), release.opened, (ids) => stalls.push(ids)),
        });
        const { id } = await main.flow(
          chain(step(flowTask, 1, op('inc')), step(flowTask, undefined, op('double'))),
        );
        const stalledWorker = await flowWorker(scope, stalled, runs);
        await waitUntil(() => stalls.length === 1, scope.ms(5000), 'the stalled worker to advance the flow');
        // It takes no more jobs (its stop completes once the stall is released, when the test ends).
        void stalledWorker.stop();
        expect(stalls[0]).toEqual([flowStepJobId(id, '1')]);
        const first = flowStepJobId(id, '0');
        expect(await main.jobs.get(first)).toMatchObject({ state: 'running' });
        await flowWorker(scope, main, runs);
        const flow = await waitForFlow(main, id, scope.ms(10_000));
        expect(flow).toMatchObject({ state: 'completed', result: 4 });
        // The first step ran once (in the stalled worker) and was finished from its recorded outcome.
        expect(runs.of(first)).toBe(1);
        expect(stepAt(flow, '0').job).toMatchObject({ state: 'completed', result: 2, attempt: 2 });
        expect(runs.of(flowStepJobId(id, '1'))).toBe(1);
      },
    );

    gatedDescribe(env, 'flows/other-process', 'a worker process killed mid-flow', () => {
      for (const mode of ['stall-advance', 'stall-settle'] as const) {
        scopedTest(
          env,
          `SIGKILL ${mode === 'stall-advance' ? 'before the next step is enqueued' : 'after the next step is enqueued, before the step settles'}: the flow completes, each handler ran once`,
          async (scope) => {
            const yard = await scope.yard();
            const runs = new StepRuns();
            const { id } = await yard.flow(
              chain(step(flowTask, 1, op('inc')), step(flowTask, undefined, op('double'))),
            );
            const child = spawnChild(scope, 'flow-child', [
              env.moduleUrl,
              scope.prefix,
              mode,
              String(scope.ms(1000)),
              '1',
            ]);
            await child.waitForLine(
              (line) => line.startsWith('STALLED'),
              scope.ms(20_000),
              'the child to stall',
            );
            await child.kill();
            const first = flowStepJobId(id, '0');
            expect(await waitForState(yard, first, 'running', scope.ms(1000))).toBeTruthy();
            await flowWorker(scope, yard, runs);
            const flow = await waitForFlow(yard, id, scope.ms(15_000));
            expect(flow).toMatchObject({ state: 'completed', result: 4 });
            const childRuns = child.lines().filter((line) => line.startsWith('RAN'));
            expect(childRuns).toEqual([`RAN inc ${first} 1`]);
            expect(runs.of(first)).toBe(0);
            expect(runs.of(flowStepJobId(id, '1'))).toBe(1);
            expect(stepAt(flow, '0').job).toMatchObject({ state: 'completed', result: 2, attempt: 2 });
          },
          40_000,
        );
      }
    });
  });
}
