import { describe, expect, it } from 'vitest';
import type { FlowOutcome } from '../src/flow-definition.js';
import {
  evaluateNode,
  groupOutcome,
  NO_INPUT,
  type StepOutcome,
  stepPayload,
  unreachableSteps,
} from '../src/flow-evaluate.js';
import { indexFlow, type StoredStep } from '../src/flow-spec.js';
import { chainOf, chordOf, groupOf, s, spec } from './flow-nodes.js';

const done = (result: unknown): FlowOutcome => ({ state: 'completed', result });
const failed: FlowOutcome = { state: 'failed', error: { name: 'Error', message: 'boom' } };
const open: StepOutcome = { state: 'open' };
const lookup = (outcomes: Record<string, StepOutcome>) => (path: string) =>
  outcomes[path] ?? { state: 'absent' as const };

describe('evaluateNode', () => {
  const chain3 = indexFlow(spec(chainOf(s(1), s(), s())));
  const chord2 = (outcomes: boolean) => indexFlow(spec(chordOf(groupOf(s(1), s(2)), s(), outcomes)));
  it.each<[string, ReturnType<typeof indexFlow>, Record<string, StepOutcome>, unknown]>([
    ['a chain before it starts', chain3, {}, { state: 'idle' }],
    ['a chain running its first step', chain3, { '0': open }, { state: 'open' }],
    ['a chain between steps', chain3, { '0': done(1) }, { state: 'open' }],
    ['a completed chain', chain3, { '0': done(1), '1': done(2), '2': done(3) }, done(3)],
    ['a chain whose middle step failed', chain3, { '0': done(1), '1': failed }, failed],
    ['a chain with a cancelled step', chain3, { '0': { state: 'cancelled' } }, { state: 'cancelled' }],
    ['a chord whose members run', chord2(false), { '0.0': done(1), '0.1': open }, { state: 'open' }],
    [
      'a chord waiting for its callback',
      chord2(false),
      { '0.0': done(1), '0.1': done(2) },
      { state: 'open' },
    ],
    [
      'a chord whose callback completed',
      chord2(false),
      { '0.0': done(1), '0.1': done(2), '1': done(3) },
      done(3),
    ],
    ['a chord with a failed member', chord2(false), { '0.0': failed, '0.1': done(2) }, failed],
    [
      'a chord with outcomes and a failed member',
      chord2(true),
      { '0.0': failed, '0.1': done(2) },
      { state: 'open' },
    ],
    [
      'a chord with outcomes, called back',
      chord2(true),
      { '0.0': failed, '0.1': done(2), '1': done('ok') },
      done('ok'),
    ],
  ])('%s', (_name, index, outcomes, expected) => {
    expect(evaluateNode(index.root, lookup(outcomes))).toEqual(expected);
  });
});

describe('groupOutcome', () => {
  it.each<[string, FlowOutcome[], FlowOutcome]>([
    [
      'every member completed: results in order, undefined as null',
      [done(1), done(undefined), done(3)],
      done([1, null, 3]),
    ],
    ['a failure wins over a cancel', [{ state: 'cancelled' }, failed, done(1)], failed],
    ['a cancel without failure cancels', [done(1), { state: 'cancelled' }], { state: 'cancelled' }],
  ])('%s', (_name, members, expected) => expect(groupOutcome(members)).toEqual(expected));
});

describe('stepPayload', () => {
  it.each<[string, StoredStep, unknown, unknown]>([
    ['the input as payload', s(), { a: 1 }, { a: 1 }],
    ['undefined input as null', s(), undefined, null],
    ['a fixed payload ignores the input', s({ fixed: true }), 7, { fixed: true }],
    ['the input under a key', s({ tag: 'x' }, { key: 'previous' }), [1, 2], { tag: 'x', previous: [1, 2] }],
    ['the input under a key, no payload', s(undefined, { key: 'k' }), 1, { k: 1 }],
    ['a first step: its payload', s(5), NO_INPUT, 5],
  ])('%s', (_name, step, input, expected) => expect(stepPayload(step, input)).toEqual(expected));
});

describe('unreachableSteps', () => {
  it('marks what follows a failed node of a chain, and a callback after a failed group', () => {
    const index = indexFlow(spec(chainOf(s(1), chainOf(s(), s()), chordOf(groupOf(s(1)), s()))));
    expect(unreachableSteps(index.root, lookup({ '0': failed }))).toEqual(
      new Set(['1.0', '1.1', '2.0.0', '2.1']),
    );
    const chord = indexFlow(spec(chordOf(groupOf(s(1), s(2)), s())));
    expect(unreachableSteps(chord.root, lookup({ '0.0': failed, '0.1': done(2) }))).toEqual(new Set(['1']));
    const withOutcomes = indexFlow(spec(chordOf(groupOf(s(1)), s(), true)));
    expect(unreachableSteps(withOutcomes.root, lookup({ '0.0': failed }))).toEqual(new Set());
  });
});
