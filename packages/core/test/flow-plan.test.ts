import { describe, expect, it } from 'vitest';
import type { FlowOutcome } from '../src/flow-definition.js';
import type { StepOutcome } from '../src/flow-evaluate.js';
import { planAdvance } from '../src/flow-plan.js';
import { type IndexedNode, indexFlow } from '../src/flow-spec.js';
import { chainOf, chordOf, groupOf, s, spec } from './flow-nodes.js';

const done = (result: unknown): FlowOutcome => ({ state: 'completed', result });
const failed: FlowOutcome = { state: 'failed', error: { name: 'Error', message: 'boom' } };

/** A reader over fixed outcomes that counts the steps it was asked for. */
function reader(outcomes: Record<string, StepOutcome>) {
  const asked: string[] = [];
  const read = async (steps: IndexedNode[]) => {
    asked.push(...steps.map((step) => step.path));
    return new Map(steps.map((step) => [step.path, outcomes[step.path] ?? { state: 'absent' as const }]));
  };
  return { read, asked };
}

async function plan(
  root: Parameters<typeof spec>[0],
  path: string,
  outcome: FlowOutcome,
  others: Record<string, StepOutcome> = {},
) {
  const index = indexFlow(spec(root));
  const { read, asked } = reader(others);
  const result = await planAdvance(index, path, outcome, read);
  return {
    start: result.start && { path: result.start.node.path, input: result.start.input },
    finished: result.finished,
    asked,
  };
}

describe('planAdvance', () => {
  it('starts the next node of a chain with the result, reading nothing', async () => {
    expect(await plan(chainOf(s(1), s(), s()), '0', done(2))).toEqual({
      start: { path: '1', input: 2 },
      finished: undefined,
      asked: [],
    });
  });

  it('finishes the flow after the last step, or after a failure', async () => {
    expect((await plan(chainOf(s(1), s()), '1', done(4))).finished).toEqual(done(4));
    expect(await plan(chainOf(s(1), s(), s()), '1', failed)).toMatchObject({
      start: undefined,
      finished: failed,
    });
  });

  it('waits while a sibling runs, and stops at the first one found running', async () => {
    const members = Array.from({ length: 20 }, (_, n) => s(n));
    const others: Record<string, StepOutcome> = { '1': { state: 'open' } };
    const result = await plan(
      chainOf(groupOf(...members), s()),
      '0.0',
      done(0),
      Object.fromEntries(Object.entries(others).map(([k, v]) => [`0.${k}`, v])),
    );
    expect(result.start).toBeUndefined();
    expect(result.asked).toEqual(['0.1']);
  });

  it('reads one sibling, then twice as many per round, up to 8', async () => {
    const index = indexFlow(spec(groupOf(...Array.from({ length: 20 }, (_, n) => s(n)))));
    const outcomes: Record<string, StepOutcome> = Object.fromEntries(
      Array.from({ length: 20 }, (_, n) => [`${n}`, n < 15 ? done(n) : { state: 'open' as const }]),
    );
    const rounds: string[][] = [];
    const read = async (steps: IndexedNode[]) => {
      rounds.push(steps.map((step) => step.path));
      return new Map(steps.map((step) => [step.path, outcomes[step.path]!]));
    };
    expect(await planAdvance(index, '0', done(0), read)).toEqual({});
    expect(rounds.map((round) => round.length)).toEqual([1, 2, 4, 8]);
  });

  it('starts at the cursor, moves it to the member found running, and skips members known settled', async () => {
    const index = indexFlow(spec(groupOf(...Array.from({ length: 10 }, (_, n) => s(n)))));
    const outcomes: Record<string, StepOutcome> = { '6': { state: 'open' } };
    const asked: string[] = [];
    const read = async (steps: IndexedNode[]) => {
      asked.push(...steps.map((step) => step.path));
      return new Map(steps.map((step) => [step.path, outcomes[step.path] ?? done(Number(step.path))]));
    };
    const cursor = new Map([['', 4]]);
    const known = (path: string) => (path === '4' || path === '5' ? done(Number(path)) : undefined);
    expect(await planAdvance(index, '0', done(0), read, cursor, known)).toEqual({});
    expect(asked).toEqual(['6']);
    expect(cursor.get('')).toBe(6);
    outcomes['6'] = done(6);
    asked.length = 0;
    const plan = await planAdvance(index, '1', done(1), read, cursor, known);
    expect(plan.finished).toEqual(done([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    expect(asked).not.toContain('4');
    expect(asked).not.toContain('5');
  });

  it('starts the next node with every result in order once all members settled', async () => {
    const result = await plan(chainOf(groupOf(s(1), s(2), s(3)), s()), '0.1', done('b'), {
      '0.0': done('a'),
      '0.2': done('c'),
    });
    expect(result.start).toEqual({ path: '1', input: ['a', 'b', 'c'] });
  });

  it('counts a recorded outcome of an unsettled sibling: two members settling together both start the next node', async () => {
    const root = chordOf(groupOf(s(1), s(2)), s());
    const first = await plan(root, '0.0', done(1), { '0.1': done(2) });
    const second = await plan(root, '0.1', done(2), { '0.0': done(1) });
    expect(first.start).toEqual({ path: '1', input: [1, 2] });
    expect(second.start).toEqual(first.start);
  });

  it('reads whole branches: a chain member settles with its last step', async () => {
    const root = chainOf(groupOf(chainOf(s(1), s()), s(5)), s());
    expect((await plan(root, '0.1', done(5), { '0.0.0': done(1) })).start).toBeUndefined();
    expect((await plan(root, '0.1', done(5), { '0.0.0': done(1), '0.0.1': done(2) })).start).toEqual({
      path: '1',
      input: [2, 5],
    });
    expect(await plan(root, '0.1', done(5), { '0.0.0': failed })).toMatchObject({ finished: failed });
  });

  it('does not call a chord back after a failure, unless it asked for outcomes', async () => {
    expect(await plan(chordOf(groupOf(s(1), s(2)), s()), '0.0', failed, { '0.1': done(2) })).toMatchObject({
      start: undefined,
      finished: failed,
    });
    expect(
      (await plan(chordOf(groupOf(s(1), s(2)), s(), true), '0.0', failed, { '0.1': done(2) })).start,
    ).toEqual({
      path: '1',
      input: [failed, done(2)],
    });
    expect((await plan(chordOf(groupOf(s(1)), s(), true), '0.0', done(undefined))).start).toEqual({
      path: '1',
      input: [done(null)],
    });
  });

  it("settles a chord with its callback's outcome, and a callback that is a group as a group", async () => {
    expect((await plan(chordOf(groupOf(s(1)), s()), '1', done(9))).finished).toEqual(done(9));
    const root = chordOf(groupOf(s(1)), groupOf(s(), s()), true);
    expect(await plan(root, '1.0', done('x'), { '1.1': done('y') })).toMatchObject({
      finished: done(['x', 'y']),
    });
  });

  it('refuses a path that is not a step', async () => {
    await expect(plan(chainOf(s(1), s()), '', done(1))).rejects.toThrow(/no step/);
  });
});
