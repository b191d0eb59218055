/**
 * Flows, part 2: groups and chords. A group's result is its members' results in
 * definition order; a chord's callback runs exactly once, after every member settled
 * (with their outcomes when asked to run after failures too), also when the members
 * settle at the same instant in two yards or two processes, and when the process that
 * settled the last member is killed before the callback was enqueued.
 */
import { chain, chord, flowStepJobId, group, step } from '@switchyard/core';
import { describe, expect } from 'vitest';
import { spawnChild } from '../children.js';
import { explainingChildren, flowWorker, op, StepRuns, stepAt, waitForFlow } from '../flow-support.js';
import { gatedDescribe, type SuiteEnv, scopedTest } from '../harness.js';
import { flowTask } from '../tasks.js';

const sleeper = (n: number, ms: number) => step(flowTask, { n, ms }, op('sleep'));
const barrier = (n: number, of: number) => step(flowTask, { n, of }, op('barrier'));
/**
 * A member whose last step is a barrier enqueued on its own (by its chain moving on), so
 * backends that deliver jobs enqueued together to one consumer (SQS shared messages) still
 * spread the barriers over every worker; all of them then settle at the same instant.
 */
const spreadBarrier = (n: number, of: number) =>
  chain(step(flowTask, n, op('echo')), step(flowTask, { of }, op('barrier', { input: { key: 'n' } })));

/** Registers the `flows-group-chord` group of the conformance suite. */
export function registerFlowsGroupChord(env: SuiteEnv): void {
  describe('flows-group-chord', () => {
    scopedTest(env, "a group's result lists its members' results in definition order", async (scope) => {
      const yard = await scope.yard();
      const runs = new StepRuns();
      await flowWorker(scope, yard, runs, { concurrency: 3 });
      const members = group(sleeper(1, scope.ms(150)), sleeper(2, 0), sleeper(3, scope.ms(60)));
      const { id } = await yard.flow(members);
      const flow = await waitForFlow(yard, id, scope.ms(10_000));
      expect(flow).toMatchObject({ state: 'completed', result: [1, 2, 3] });
      // They finished out of order: the order of the result is the definition's.
      const finished = [...flow.steps].sort(
        (a, b) => a.job!.finishedAt!.getTime() - b.job!.finishedAt!.getTime(),
      );
      expect(finished[0]!.path).toBe('1');
      const summed = await yard.flow(chain(members, step(flowTask, undefined, op('sum'))));
      expect(await waitForFlow(yard, summed.id, scope.ms(10_000))).toMatchObject({
        state: 'completed',
        result: 6,
      });
    });

    scopedTest(
      env,
      'groups and chains nest: members get the previous result, the next step gets the list',
      async (scope) => {
        const yard = await scope.yard();
        const runs = new StepRuns();
        await flowWorker(scope, yard, runs, { concurrency: 4 });
        const { id } = await yard.flow(
          chain(
            step(flowTask, 1, op('inc')),
            group(
              step(flowTask, undefined, op('double')),
              chain(step(flowTask, undefined, op('inc')), step(flowTask, undefined, op('double'))),
            ),
            step(flowTask, undefined, op('sum')),
          ),
        );
        const flow = await waitForFlow(yard, id, scope.ms(10_000));
        expect(flow).toMatchObject({ state: 'completed', result: 10 });
        expect(flow.steps.map((entry) => [entry.path, entry.job?.payload])).toEqual([
          ['0', 1],
          ['1.0', 2],
          ['1.1.0', 2],
          ['1.1.1', 3],
          ['2', [4, 6]],
        ]);
      },
    );

    scopedTest(
      env,
      "a chord's callback runs once, after every member settled, with their results",
      async (scope) => {
        const yard = await scope.yard();
        const runs = new StepRuns();
        await flowWorker(scope, yard, runs, { concurrency: 5 });
        const { id } = await yard.flow(
          chord(
            group(...[1, 2, 3, 4, 5].map((n) => sleeper(n, scope.ms(10 * n)))),
            step(flowTask, undefined, op('sum')),
          ),
        );
        const flow = await waitForFlow(yard, id, scope.ms(10_000));
        expect(flow).toMatchObject({ state: 'completed', result: 15 });
        const callback = stepAt(flow, '1');
        expect(callback.job).toMatchObject({ payload: [1, 2, 3, 4, 5], attempt: 1 });
        expect(runs.withOp('sum')).toBe(1);
        // Every member's handler had returned before the callback's started.
        const callbackStart = runs.runs.find((run) => run.op === 'sum')!.at;
        const memberEnds = runs.ends.filter((end) => end.op === 'sleep');
        expect(memberEnds).toHaveLength(5);
        for (const end of memberEnds) expect(end.at).toBeLessThanOrEqual(callbackStart);
      },
    );

    scopedTest(
      env,
      'a chord with outcomes runs its callback after failures too, with every outcome',
      async (scope) => {
        const yard = await scope.yard();
        const runs = new StepRuns();
        await flowWorker(scope, yard, runs, { concurrency: 3 });
        const { id } = await yard.flow(
          chord(
            group(sleeper(1, 0), step(flowTask, 0, op('fail')), sleeper(3, scope.ms(50))),
            step(flowTask, undefined, op('echo')),
            {
              outcomes: true,
            },
          ),
        );
        const flow = await waitForFlow(yard, id, scope.ms(10_000));
        expect(flow.state).toBe('completed');
        expect(flow.result).toEqual([
          { state: 'completed', result: 1 },
          {
            state: 'failed',
            error: expect.objectContaining({ message: expect.stringContaining('fails on purpose') }),
          },
          { state: 'completed', result: 3 },
        ]);
        expect(runs.withOp('echo')).toBe(1);
      },
    );

    scopedTest(
      env,
      'without outcomes a failed member fails the chord: the callback never runs, the others finish',
      async (scope) => {
        const yard = await scope.yard();
        const runs = new StepRuns();
        await flowWorker(scope, yard, runs, { concurrency: 3 });
        const { id } = await yard.flow(
          chord(
            group(sleeper(1, scope.ms(50)), step(flowTask, 0, op('fail')), sleeper(3, scope.ms(100))),
            step(flowTask, undefined, op('sum')),
          ),
        );
        const flow = await waitForFlow(yard, id, scope.ms(10_000));
        expect(flow.state).toBe('failed');
        expect(flow.steps.map((entry) => entry.state)).toEqual([
          'completed',
          'failed',
          'completed',
          'cancelled',
        ]);
        expect(stepAt(flow, '1').job).toBeNull();
        expect(runs.withOp('sum')).toBe(0);
      },
    );

    scopedTest(
      env,
      'a member cancelled with jobs.cancel settles it: a chord with outcomes still calls back',
      async (scope) => {
        const yard = await scope.yard();
        const runs = new StepRuns();
        const { id } = await yard.flow(
          chord(
            group(step(flowTask, 1, op('echo')), step(flowTask, 2, op('echo'))),
            step(flowTask, undefined, op('echo')),
            {
              outcomes: true,
            },
          ),
        );
        // No worker yet: both members wait; cancelling them is all that happens to them.
        for (const path of ['0.0', '0.1'])
          expect(await yard.jobs.cancel(flowStepJobId(id, path))).toBe('cancelled');
        expect(await yard.jobs.get(flowStepJobId(id, '1'))).toMatchObject({
          payload: [{ state: 'cancelled' }, { state: 'cancelled' }],
        });
        await flowWorker(scope, yard, runs);
        const flow = await waitForFlow(yard, id, scope.ms(10_000));
        expect(flow).toMatchObject({
          state: 'completed',
          result: [{ state: 'cancelled' }, { state: 'cancelled' }],
        });
        expect(runs.withOp('echo')).toBe(1);
      },
    );

    scopedTest(
      env,
      'members settling at the same instant in two yards enqueue the callback once',
      async (scope) => {
        const first = await scope.yard();
        const second = await scope.yard();
        const runs = new StepRuns();
        await flowWorker(scope, first, runs, { concurrency: 4 });
        await flowWorker(scope, second, runs, { concurrency: 4 });
        const { id } = await first.flow(
          chord(
            group(...Array.from({ length: 8 }, (_, n) => spreadBarrier(n + 1, 8))),
            step(flowTask, undefined, op('sum')),
          ),
        );
        const flow = await waitForFlow(first, id, scope.ms(15_000));
        expect(flow).toMatchObject({ state: 'completed', result: 36 });
        expect(runs.withOp('barrier')).toBe(8);
        expect(runs.withOp('sum')).toBe(1);
        expect(stepAt(flow, '1').job).toMatchObject({ attempt: 1, payload: [1, 2, 3, 4, 5, 6, 7, 8] });
      },
    );

    gatedDescribe(env, 'flows/other-process', 'chord members in other processes', () => {
      scopedTest(
        env,
        'members run in two worker processes and settle together: the callback runs once',
        async (scope) => {
          const yard = await scope.yard();
          const leaseMs = String(scope.ms(2000));
          const children = [0, 1].map(() =>
            spawnChild(scope, 'flow-child', [env.moduleUrl, scope.prefix, 'work', leaseMs, '3']),
          );
          for (const child of children)
            await child.waitForLine((line) => line === 'READY', scope.ms(20_000), 'READY');
          const { id } = await yard.flow(
            chord(
              group(...Array.from({ length: 6 }, (_, n) => spreadBarrier(n + 1, 6))),
              step(flowTask, undefined, op('sum')),
            ),
          );
          const flow = await explainingChildren(children, yard, id, () =>
            waitForFlow(yard, id, scope.ms(20_000)),
          );
          expect(flow).toMatchObject({ state: 'completed', result: 21 });
          const ran = children.map((child) => child.lines().filter((line) => line.startsWith('RAN')));
          // Three members each: they all waited for each other, so both processes held some at once.
          expect(ran.map((lines) => lines.filter((line) => line.startsWith('RAN barrier')).length)).toEqual([
            3, 3,
          ]);
          expect(ran.flat().filter((line) => line.startsWith('RAN sum'))).toEqual([
            `RAN sum ${flowStepJobId(id, '1')} 1`,
          ]);
        },
        40_000,
      );

      scopedTest(
        env,
        'the process that settled the last member is killed before enqueueing the callback: the callback still runs once',
        async (scope) => {
          const yard = await scope.yard();
          const runs = new StepRuns();
          const { id } = await yard.flow(
            chord(group(barrier(1, 2), barrier(2, 2)), step(flowTask, undefined, op('sum'))),
          );
          const child = spawnChild(scope, 'flow-child', [
            env.moduleUrl,
            scope.prefix,
            'stall-advance',
            String(scope.ms(1000)),
            '2',
          ]);
          await child.waitForLine(
            (line) => line.startsWith('STALLED'),
            scope.ms(20_000),
            'the child to stall',
          );
          await child.kill();
          await flowWorker(scope, yard, runs);
          const flow = await waitForFlow(yard, id, scope.ms(15_000));
          expect(flow).toMatchObject({ state: 'completed', result: 3 });
          // The members ran once, in the killed process; the callback once, here.
          expect(child.lines().filter((line) => line.startsWith('RAN barrier'))).toHaveLength(2);
          expect(runs.withOp('barrier')).toBe(0);
          expect(runs.withOp('sum')).toBe(1);
        },
        40_000,
      );
    });
  });
}
