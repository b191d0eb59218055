import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../src/fleet.ts';
import {
  computeVerdict,
  duplicateRuns,
  type Fault,
  inFlightAtFaults,
  zombieSettlesAccepted,
} from '../src/verdict.ts';

const run = (jobId: string, child: number, startedAt: number, endedAt?: number, attempt = 1): RunRecord => ({
  jobId,
  child,
  attempt,
  startedAt,
  ...(endedAt !== undefined ? { endedAt } : {}),
});

describe('duplicateRuns', () => {
  it.each([
    ['no runs', [], 0],
    ['one run each', [run('a', 0, 1, 2), run('b', 0, 1, 2)], 0],
    ['a job run three times', [run('a', 0, 1), run('a', 1, 5), run('a', 2, 9, 10)], 2],
    ['two jobs run twice', [run('a', 0, 1), run('a', 1, 5, 6), run('b', 0, 1), run('b', 0, 7, 8)], 2],
  ])('%s → %i', (_name, runs, expected) => {
    expect(duplicateRuns(runs)).toBe(expected);
  });
});

describe('inFlightAtFaults', () => {
  const runs = [run('a', 0, 10, 20), run('b', 0, 15), run('c', 1, 12, 30), run('d', 1, 40, 50)];
  it.each<[string, Fault[], number]>([
    ['a kill of process 0 at 16 hits a and b', [{ kind: 'kill', at: 16, children: [0] }], 2],
    ['a kill of process 1 at 16 hits c', [{ kind: 'kill', at: 16, children: [1] }], 1],
    ['a connection kill at 16 hits every process', [{ kind: 'connection-kill', at: 16 }], 3],
    ['a job whose completion was stored before the fault is not in flight', [{ kind: 'outage', at: 20 }], 2],
    ['a job started after the fault is not in flight', [{ kind: 'outage', at: 35 }], 1],
    [
      'faults add up',
      [
        { kind: 'kill', at: 16, children: [0] },
        { kind: 'freeze', at: 45, children: [1] },
      ],
      3,
    ],
  ])('%s', (_name, faults, expected) => {
    expect(inFlightAtFaults(runs, faults)).toBe(expected);
  });
});

describe('computeVerdict', () => {
  it('counts lost (missing, failed or cancelled), stuck, duplicates, in flight and crashes', () => {
    const states: Record<string, string | null> = {
      a: 'completed',
      b: null,
      c: 'failed',
      d: 'cancelled',
      e: 'completed',
    };
    const verdict = computeVerdict({
      acknowledged: ['a', 'b', 'c', 'd', 'e'],
      finalState: (id) => (states[id] ?? null) as never,
      unfinished: 4,
      runs: [run('a', 0, 1), run('a', 1, 5, 6), run('e', 1, 2, 3)],
      faults: [{ kind: 'kill', at: 2, children: [0] }],
      crashes: 1,
    });
    expect(verdict).toEqual({ jobs: 5, lost: 3, stuck: 4, duplicates: 1, inFlightAtFaults: 1, crashes: 1 });
  });
});

describe('zombieSettlesAccepted', () => {
  const held = { jobId: 'a', pid: 100, attempt: 1 };
  it.each([
    [
      'redelivered and finished elsewhere',
      { ...held, ranElsewhere: true, stored: { pid: 200, attempt: 2 } },
      0,
    ],
    ['the zombie overwrote the result', { ...held, ranElsewhere: true, stored: { pid: 100, attempt: 1 } }, 1],
    [
      'never redelivered: the late result is the only run',
      { ...held, ranElsewhere: false, stored: { pid: 100, attempt: 1 } },
      0,
    ],
    [
      'the zombie itself ran it again later',
      { ...held, ranElsewhere: true, stored: { pid: 100, attempt: 2 } },
      0,
    ],
    ['nothing stored', { ...held, ranElsewhere: true, stored: null }, 0],
  ])('%s → %i', (_name, job, expected) => {
    expect(zombieSettlesAccepted([job])).toBe(expected);
  });
});
