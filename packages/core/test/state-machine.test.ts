import { describe, expect, it } from 'vitest';
import { JOB_STATES, type JobState } from '../src/job.js';
import {
  canTransition,
  checkSequence,
  explainIllegalTransition,
  JOB_TRANSITIONS,
} from '../src/state-machine.js';

type From = JobState | 'enqueue';

/** The table from API.md §3, plus scheduled -> running (a due job leased without being seen as pending). */
const LEGAL: ReadonlyArray<[From, JobState]> = [
  ['enqueue', 'pending'],
  ['enqueue', 'scheduled'],
  ['scheduled', 'pending'],
  ['scheduled', 'cancelled'],
  ['scheduled', 'running'],
  ['pending', 'running'],
  ['pending', 'cancelled'],
  ['running', 'completed'],
  ['running', 'retrying'],
  ['running', 'failed'],
  ['running', 'cancelled'],
  ['running', 'pending'],
  ['retrying', 'pending'],
  ['retrying', 'running'],
  ['retrying', 'cancelled'],
  ['failed', 'pending'],
  ['cancelled', 'pending'],
];

const isLegal = (from: From, to: JobState) => LEGAL.some(([f, t]) => f === from && t === to);
const ALL_PAIRS: Array<[From, JobState]> = (['enqueue', ...JOB_STATES] as From[]).flatMap((from) =>
  JOB_STATES.map((to): [From, JobState] => [from, to]),
);

describe('JOB_TRANSITIONS', () => {
  it('has an entry for enqueue and every state, and nothing else', () => {
    expect(Object.keys(JOB_TRANSITIONS).sort()).toEqual(['enqueue', ...JOB_STATES].sort());
  });

  it('is frozen so nobody can widen it at runtime', () => {
    expect(Object.isFrozen(JOB_TRANSITIONS)).toBe(true);
    expect(Object.isFrozen(JOB_TRANSITIONS.running)).toBe(true);
  });

  it('lists completed as final', () => {
    expect(JOB_TRANSITIONS.completed).toEqual([]);
  });
});

describe('canTransition', () => {
  it.each(ALL_PAIRS)('%s -> %s', (from, to) => {
    expect(canTransition(from, to)).toBe(isLegal(from, to));
  });

  it.each<[From, JobState]>([
    ['pending', 'scheduled'],
    ['running', 'running'],
    ['completed', 'pending'],
    ['enqueue', 'running'],
    ['failed', 'running'],
  ])('explicitly forbids %s -> %s', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
  });

  it.each(['toString', 'constructor', '__proto__', 'bogus'])('is false for the non-state %s', (from) => {
    expect(canTransition(from as From, 'pending')).toBe(false);
  });
});

describe('explainIllegalTransition', () => {
  it.each(LEGAL)('%s -> %s is legal (null)', (from, to) => {
    expect(explainIllegalTransition(from, to)).toBeNull();
  });

  it.each<[From, JobState, string]>([
    [
      'pending',
      'completed',
      'a job cannot move from "pending" to "completed" (allowed: running | cancelled)',
    ],
    ['completed', 'pending', 'a job cannot move from "completed" to "pending" ("completed" is final)'],
    ['enqueue', 'running', 'a new job cannot start in "running" (allowed: pending | scheduled)'],
    ['bogus' as From, 'pending', '"bogus" is not a job state'],
  ])('%s -> %s', (from, to, message) => {
    expect(explainIllegalTransition(from, to)).toBe(message);
  });
});

describe('checkSequence', () => {
  it.each<[string, JobState[]]>([
    ['empty', []],
    ['happy path', ['pending', 'running', 'completed']],
    ['delayed job', ['scheduled', 'pending', 'running', 'completed']],
    ['delayed job leased directly', ['scheduled', 'running', 'completed']],
    ['retried then completed', ['pending', 'running', 'retrying', 'pending', 'running', 'completed']],
    ['retry leased directly', ['pending', 'running', 'retrying', 'running', 'failed']],
    ['lease lost and redelivered', ['pending', 'running', 'pending', 'running', 'completed']],
    ['cancelled while waiting', ['scheduled', 'cancelled']],
    ['cancelled while running', ['pending', 'running', 'cancelled']],
    ['failed then manually retried', ['pending', 'running', 'failed', 'pending', 'running', 'completed']],
    ['cancelled then manually retried', ['pending', 'cancelled', 'pending']],
    [
      'repeated observations collapse',
      ['pending', 'pending', 'running', 'running', 'running', 'completed', 'completed'],
    ],
    ['only observed once', ['scheduled']],
  ])('accepts %s', (_name, states) => {
    expect(checkSequence(states)).toEqual({ ok: true });
  });

  it.each<[string, JobState[], { index: number; from: From; to: JobState }]>([
    ['cannot start running', ['running', 'completed'], { index: 0, from: 'enqueue', to: 'running' }],
    ['cannot start completed', ['completed'], { index: 0, from: 'enqueue', to: 'completed' }],
    [
      'pending cannot complete without running',
      ['pending', 'completed'],
      { index: 1, from: 'pending', to: 'completed' },
    ],
    [
      'completed is final',
      ['pending', 'running', 'completed', 'pending'],
      { index: 3, from: 'completed', to: 'pending' },
    ],
    [
      'pending cannot go back to scheduled',
      ['pending', 'scheduled'],
      { index: 1, from: 'pending', to: 'scheduled' },
    ],
    [
      'index counts the original positions, repeats included',
      ['pending', 'pending', 'pending', 'failed'],
      { index: 3, from: 'pending', to: 'failed' },
    ],
    [
      'retrying cannot fail without running',
      ['pending', 'running', 'retrying', 'failed'],
      { index: 3, from: 'retrying', to: 'failed' },
    ],
  ])('rejects: %s', (_name, states, failure) => {
    expect(checkSequence(states)).toEqual({ ok: false, ...failure });
  });
});
