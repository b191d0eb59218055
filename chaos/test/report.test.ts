import { describe, expect, it } from 'vitest';
import { checkFigures, formatTable } from '../src/report.ts';
import type { ScenarioResult } from '../src/run-scenario.ts';

function result(
  overrides: Partial<ScenarioResult> & Pick<ScenarioResult, 'scenario' | 'kind'>,
): ScenarioResult {
  return {
    backend: 'pgboss',
    verdict: { jobs: 100, lost: 0, stuck: 0, duplicates: 3, inFlightAtFaults: 5, crashes: 0 },
    drainMs: 1200,
    figures: {},
    notes: [],
    durationMs: 10_000,
    crashReports: [],
    ...overrides,
  };
}

const clean = [
  result({ scenario: 'kill loop, every 2 s', kind: 'kill-loop' }),
  result({
    scenario: '30 s outage, no spool',
    kind: 'outage',
    figures: {
      enqueuesDuringOutage: 10,
      refusedDuringOutage: 10,
      overBound: 0,
      storedWhileCut: 0,
      maxEnqueueMsDuringOutage: 900,
    },
  }),
  result({
    scenario: '30 s outage, with the spool',
    kind: 'outage',
    figures: { enqueuesDuringOutage: 10, refusedDuringOutage: 0, spooled: 10 },
  }),
  result({ scenario: 'SIGSTOP zombies', kind: 'zombies', figures: { zombieSettlesAccepted: 0 } }),
];

describe('checkFigures', () => {
  it('a clean run meets every figure', () => {
    expect(checkFigures(clean).map((check) => check.status)).toEqual(Array(8).fill('met'));
  });

  it('names where a figure was missed', () => {
    const checks = checkFigures([
      ...clean,
      result({
        backend: 'bullmq',
        scenario: 'malformed',
        kind: 'malformed',
        verdict: { jobs: 10, lost: 1, stuck: 2, duplicates: 6, inFlightAtFaults: 5, crashes: 1 },
      }),
      result({
        backend: 'sqs',
        scenario: '30 s outage, no spool',
        kind: 'outage',
        figures: {
          enqueuesDuringOutage: 10,
          refusedDuringOutage: 9,
          overBound: 2,
          storedWhileCut: 0,
          maxEnqueueMsDuringOutage: 3500,
        },
      }),
    ]);
    const missed = Object.fromEntries(
      checks.filter((c) => c.status === 'missed').map((c) => [c.figure, c.misses]),
    );
    expect(missed).toEqual({
      '0 jobs lost': ['bullmq / malformed: 1 lost'],
      '0 jobs stuck': ['bullmq / malformed: 2 stuck'],
      '0 worker crashes': ['bullmq / malformed: 1 crashes'],
      'duplicates ≤ jobs in flight at the faults': ['bullmq / malformed: 6 duplicates, 5 in flight'],
      'without the spool: every enqueue during the outage fails within backendTimeout + 1 s': [
        'sqs / 30 s outage, no spool: 10 enqueues, 2 took too long (slowest 3500 ms), 0 stored while cut',
      ],
    });
  });

  it('a figure no scenario measured is "not run"', () => {
    expect(checkFigures([clean[0]!]).filter((c) => c.status === 'not run')).toHaveLength(4);
  });
});

describe('formatTable', () => {
  it('one row per scenario, duplicates beside the jobs in flight', () => {
    const table = formatTable([
      result({ scenario: 'kill loop', kind: 'kill-loop', notes: ['12 SIGKILLs'], drainMs: null }),
    ]);
    expect(table.split('\n')).toEqual([
      '| backend | scenario | jobs | lost | stuck | duplicates / in flight at faults | worker crashes | drain after last fault | notes |',
      '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
      '| pgboss | kill loop | 100 | 0 | 0 | 3 / 5 | 0 | never | 12 SIGKILLs |',
    ]);
  });
});
