import { describe, expect, it } from 'vitest';
import type { ScenarioResult, SectionResult } from '../src/results.ts';
import { summarize } from '../src/stats.ts';
import {
  describeCheck,
  describeVerdict,
  evaluateTarget,
  evaluateTargets,
  TARGETS,
  type Target,
} from '../src/targets.ts';

function scenario(id: string, figures: Record<string, number>): ScenarioResult {
  return {
    id,
    title: id,
    settings: {},
    metrics: [{ key: 'rate', label: 'jobs/s', better: 'higher' }],
    rounds: 1,
    contenders: Object.entries(figures).map(([name, value]) => ({
      name,
      role: name === 'switchyard' ? 'switchyard' : 'peer',
      summaries: { rate: summarize([value]) },
    })),
    notRun: [],
  };
}

const section = (scenarios: ScenarioResult[]): SectionResult[] => [{ name: 's', peers: ['peer'], scenarios }];
const at = (check: Target['check']): Target => ({
  id: 't',
  description: 'd',
  section: 's',
  scenario: 'x',
  metric: 'rate',
  check,
});

describe('evaluateTarget', () => {
  it('checks absolute figures', () => {
    const sections = section([scenario('x', { switchyard: 150 })]);
    expect(evaluateTarget(at({ kind: 'at-least', value: 200 }), sections)).toMatchObject({
      status: 'missed',
      measured: 150,
    });
    expect(evaluateTarget(at({ kind: 'below', value: 200 }), sections).status).toBe('met');
  });

  it('checks ratios to a peer', () => {
    const sections = section([scenario('x', { switchyard: 90, peer: 100 })]);
    const result = evaluateTarget(at({ kind: 'ratio-at-least', peer: 'peer', value: 0.9 }), sections);
    expect(result.status).toBe('met');
    expect(result.measured).toBeCloseTo(0.9, 10);
    expect(evaluateTarget(at({ kind: 'ratio-at-least', peer: 'peer', value: 1 }), sections).status).toBe(
      'missed',
    );
  });

  it('measures the contender a target names instead of Switchyard', () => {
    const sections = section([scenario('x', { switchyard: 50, sampled: 95, peer: 100 })]);
    const target = { ...at({ kind: 'ratio-at-least', peer: 'peer', value: 0.9 }), contender: 'sampled' };
    expect(evaluateTarget(target, sections)).toMatchObject({ status: 'met', measured: 0.95 });
    expect(evaluateTarget({ ...target, contender: 'absent' }, sections)).toMatchObject({
      status: 'not run',
      reason: 'no absent figure',
    });
  });

  it('checks an upper bound on a ratio (lower is better)', () => {
    const sections = section([scenario('x', { switchyard: 1.4, peer: 1 })]);
    const within = evaluateTarget(at({ kind: 'ratio-at-most', peer: 'peer', value: 1.5 }), sections);
    expect(within).toMatchObject({ status: 'met' });
    expect(within.measured).toBeCloseTo(1.4, 10);
    expect(evaluateTarget(at({ kind: 'ratio-at-most', peer: 'peer', value: 1.3 }), sections).status).toBe(
      'missed',
    );
  });

  it('says why a figure was not run', () => {
    expect(evaluateTarget(at({ kind: 'below', value: 1 }), [])).toMatchObject({ status: 'not run' });
    const down: SectionResult[] = [{ name: 's', peers: [], notRun: 'Redis unreachable', scenarios: [] }];
    expect(evaluateTarget(at({ kind: 'below', value: 1 }), down)).toMatchObject({
      status: 'not run',
      reason: 'Redis unreachable',
    });
    const noPeer = section([scenario('x', { switchyard: 1 })]);
    expect(evaluateTarget(at({ kind: 'ratio-at-least', peer: 'peer', value: 1 }), noPeer).status).toBe(
      'not run',
    );
  });
});

/** A scenario whose contenders each have per-round samples of `rate`. */
function rounds(id: string, samples: Record<string, number[]>, notRun: ScenarioResult['notRun'] = []) {
  const base = scenario(id, {});
  return {
    ...base,
    contenders: Object.entries(samples).map(([name, values]) => ({
      name,
      role: name === 'switchyard' ? ('switchyard' as const) : ('peer' as const),
      summaries: { rate: summarize(values) },
    })),
    notRun,
  };
}

describe('evaluateTarget: every check kind at and around its bound', () => {
  // `at-least` and the ratios include the bound; `below` is strict (the description says "<").
  it.each([
    { check: { kind: 'at-least', value: 200 }, switchyard: 200, status: 'met' },
    { check: { kind: 'at-least', value: 200 }, switchyard: 199.9, status: 'missed' },
    { check: { kind: 'below', value: 10 }, switchyard: 9.9, status: 'met' },
    { check: { kind: 'below', value: 10 }, switchyard: 10, status: 'missed' },
    { check: { kind: 'ratio-at-least', peer: 'peer', value: 0.9 }, switchyard: 91, status: 'met' },
    { check: { kind: 'ratio-at-least', peer: 'peer', value: 0.9 }, switchyard: 89, status: 'missed' },
    { check: { kind: 'ratio-at-most', peer: 'peer', value: 1.5 }, switchyard: 150, status: 'met' },
    { check: { kind: 'ratio-at-most', peer: 'peer', value: 1.5 }, switchyard: 151, status: 'missed' },
  ] as const)(
    '$check.kind $check.value with Switchyard at $switchyard: $status',
    ({ check, switchyard, status }) => {
      const sections = section([scenario('x', { switchyard, peer: 100 })]);
      const result = evaluateTarget(at(check), sections);
      expect(result.status).toBe(status);
      const expected = check.kind.startsWith('ratio') ? switchyard / 100 : switchyard;
      expect(result.measured).toBeCloseTo(expected, 10);
      // The result carries the target's identity, not its check.
      expect(result).toMatchObject({
        id: 't',
        description: 'd',
        section: 's',
        scenario: 'x',
        metric: 'rate',
      });
      expect(result).not.toHaveProperty('check');
      expect(result).not.toHaveProperty('reason');
    },
  );

  it('a ratio is the median of round-by-round ratios, not the ratio of medians', () => {
    // Load drifting over the run: per round Switchyard is always 0.9× the peer.
    const sections = section([rounds('x', { switchyard: [90, 45, 180], peer: [100, 50, 200] })]);
    const result = evaluateTarget(at({ kind: 'ratio-at-least', peer: 'peer', value: 0.9 }), sections);
    expect(result.status).toBe('met');
    expect(result.measured).toBeCloseTo(0.9, 10);
  });

  it('rounds that do not pair up fall back to the ratio of medians', () => {
    const sections = section([rounds('x', { switchyard: [80, 100], peer: [100, 100, 100] })]);
    const result = evaluateTarget(at({ kind: 'ratio-at-least', peer: 'peer', value: 0.9 }), sections);
    expect(result).toMatchObject({ status: 'met', measured: 0.9 });
  });
});

describe('evaluateTarget: every "not run" path says why', () => {
  const ratioAtLeast = at({ kind: 'ratio-at-least', peer: 'peer', value: 1 });
  const ratioAtMost = at({ kind: 'ratio-at-most', peer: 'peer', value: 1 });
  const absolute = at({ kind: 'at-least', value: 1 });

  it.each([
    {
      why: 'the section was not selected',
      target: absolute,
      sections: [] as SectionResult[],
      reason: 'section s was not selected',
    },
    {
      why: 'the whole section did not run',
      target: absolute,
      sections: [{ name: 's', peers: [], notRun: 'PostgreSQL unreachable', scenarios: [] }],
      reason: 'PostgreSQL unreachable',
    },
    {
      why: 'the scenario is missing from the section',
      target: absolute,
      sections: section([scenario('other', { switchyard: 5 })]),
      reason: 'scenario x was not run',
    },
    {
      why: 'Switchyard did not run, with its reason',
      target: absolute,
      sections: section([rounds('x', { peer: [1] }, [{ name: 'switchyard', reason: 'adapter not built' }])]),
      reason: 'adapter not built',
    },
    {
      why: 'Switchyard has no figure and no reason',
      target: absolute,
      sections: section([scenario('x', { peer: 1 })]),
      reason: 'no Switchyard figure',
    },
    {
      why: 'Switchyard ran but not this metric',
      target: { ...absolute, metric: 'p50' },
      sections: section([scenario('x', { switchyard: 1 })]),
      reason: 'no Switchyard figure',
    },
    {
      why: 'the peer did not run, with its reason (ratio-at-least)',
      target: ratioAtLeast,
      sections: section([rounds('x', { switchyard: [1] }, [{ name: 'peer', reason: 'peer not installed' }])]),
      reason: 'peer not installed',
    },
    {
      why: 'the peer did not run, with its reason (ratio-at-most)',
      target: ratioAtMost,
      sections: section([rounds('x', { switchyard: [1] }, [{ name: 'peer', reason: 'peer timed out' }])]),
      reason: 'peer timed out',
    },
    {
      why: 'the peer has no figure and no reason',
      target: ratioAtMost,
      sections: section([scenario('x', { switchyard: 1 })]),
      reason: 'no peer figure',
    },
    {
      why: "the peer's figure is zero (no ratio exists)",
      target: ratioAtLeast,
      sections: section([rounds('x', { switchyard: [1, 1], peer: [0, 0] })]),
      reason: 'no peer figure',
    },
  ])('$why', ({ target, sections, reason }) => {
    const result = evaluateTarget(target, sections);
    expect(result).toMatchObject({ id: 't', status: 'not run', reason });
    expect(result).not.toHaveProperty('measured');
    expect(result).not.toHaveProperty('check');
  });
});

describe('evaluateTargets and TARGETS', () => {
  it('checks every target once, in order; with nothing run, every one is "not run" with a reason', () => {
    const results = evaluateTargets([]);
    expect(results.map((result) => result.id)).toEqual(TARGETS.map((target) => target.id));
    for (const result of results) {
      expect(result.status).toBe('not run');
      expect(result.reason).toMatch(/^section \S+ was not selected$/);
    }
  });

  it('target ids are unique, so a report row names one figure', () => {
    const ids = TARGETS.map((target) => target.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('judges each target against its own section and scenario', () => {
    const memory = TARGETS.find((target) => target.id === 'memory-throughput')!;
    const sections: SectionResult[] = [
      { name: memory.section, peers: [], scenarios: [scenario(memory.scenario, { switchyard: 250_000 })] },
    ];
    const results = evaluateTargets(sections);
    expect(results.find((result) => result.id === 'memory-throughput')).toMatchObject({
      status: 'met',
      measured: 250_000,
    });
    // Another target of the same section whose scenario is absent is not run, not met.
    expect(results.find((result) => result.id === 'memory-rss')).toMatchObject({
      status: 'not run',
      reason: 'scenario rss-1m was not run',
    });
  });
});

describe('describeCheck', () => {
  it.each([
    [{ kind: 'at-least', value: 200_000 }, '≥ 200,000'],
    [{ kind: 'below', value: 1024 }, '< 1,024'],
    [{ kind: 'ratio-at-least', peer: 'bullmq', value: 0.9 }, '≥ 0.9× bullmq'],
    [{ kind: 'ratio-at-most', peer: 'bullmq', value: 1.5 }, '≤ 1.5× bullmq'],
  ] as const)('%o reads as %s', (check, text) => {
    expect(describeCheck(at(check))).toBe(text);
  });
});

describe('evaluateTarget: a spread across the rounds that crosses the target', () => {
  it('flags a median that meets an absolute target while some rounds miss it', () => {
    const sections = section([rounds('x', { switchyard: [190, 210, 220] })]);
    const result = evaluateTarget(at({ kind: 'at-least', value: 200 }), sections);
    expect(result).toMatchObject({ status: 'met', measured: 210, range: [190, 220], spreadCrosses: true });
    expect(describeVerdict(result)).toBe('met, but the spread crosses the target');
  });

  it('flags a missed median when some rounds meet the target', () => {
    const sections = section([rounds('x', { switchyard: [11, 12, 9] })]);
    const result = evaluateTarget(at({ kind: 'below', value: 10 }), sections);
    expect(result).toMatchObject({ status: 'missed', range: [9, 12], spreadCrosses: true });
    expect(describeVerdict(result)).toBe('**MISSED**, spread crosses the target');
  });

  it('reads a ratio round by round: one round under the bound crosses it', () => {
    // Medians alone give 0.9; round 2 is 0.7× its peer.
    const sections = section([rounds('x', { switchyard: [90, 35, 180], peer: [100, 50, 200] })]);
    const result = evaluateTarget(at({ kind: 'ratio-at-least', peer: 'peer', value: 0.8 }), sections);
    expect(result.status).toBe('met');
    expect(result.range?.[0]).toBeCloseTo(0.7, 10);
    expect(result.range?.[1]).toBeCloseTo(0.9, 10);
    expect(result.spreadCrosses).toBe(true);
  });

  it('uses the extremes when the rounds do not pair up', () => {
    const sections = section([rounds('x', { switchyard: [80, 100], peer: [100, 90, 110] })]);
    const result = evaluateTarget(at({ kind: 'ratio-at-most', peer: 'peer', value: 1 }), sections);
    expect(result.range?.[0]).toBeCloseTo(80 / 110, 10);
    expect(result.range?.[1]).toBeCloseTo(100 / 90, 10);
    expect(result.spreadCrosses).toBe(true);
  });

  it('leaves a verdict every round agrees with unflagged', () => {
    const met = evaluateTarget(
      at({ kind: 'at-least', value: 200 }),
      section([rounds('x', { switchyard: [201, 230, 260] })]),
    );
    expect(met).toMatchObject({ status: 'met', range: [201, 260] });
    expect(met).not.toHaveProperty('spreadCrosses');
    expect(describeVerdict(met)).toBe('met');
    const missed = evaluateTarget(
      at({ kind: 'ratio-at-most', peer: 'peer', value: 1.5 }),
      section([rounds('x', { switchyard: [160, 170], peer: [100, 100] })]),
    );
    expect(missed).not.toHaveProperty('spreadCrosses');
    expect(describeVerdict(missed)).toBe('**MISSED**');
  });

  it('a not-run target keeps its reason', () => {
    expect(describeVerdict(evaluateTarget(at({ kind: 'below', value: 1 }), []))).toBe(
      'not run: section s was not selected',
    );
  });
});

describe('issue 22 targets', () => {
  it('cover the backlogs the issue names on pg-boss, BullMQ and SQS', () => {
    expect(TARGETS.filter((t) => t.id.includes('-backlog-')).map((t) => t.id)).toEqual([
      'pgboss-backlog-100k',
      'pgboss-backlog-1m',
      'bullmq-backlog-100k',
      'bullmq-backlog-1m',
      'sqs-backlog-100k',
    ]);
  });

  it('compare the pg-boss backlog rates with the rate at 10,000 queued', () => {
    const backlog = TARGETS.filter((t) => t.id.startsWith('pgboss-backlog-'));
    expect(backlog.map((t) => t.scenario)).toEqual(['backlog-100k', 'backlog-1m']);
    const sections: SectionResult[] = [
      {
        name: 'pgboss',
        peers: [],
        scenarios: [
          {
            ...rounds('backlog-100k', { switchyard: [8000, 7000], 'switchyard 10k': [9000, 9500] }),
            metrics: [{ key: 'processRate', label: 'jobs/s', better: 'higher' }],
            contenders: [
              { name: 'switchyard', role: 'switchyard', summaries: { processRate: summarize([8000, 7000]) } },
              { name: 'switchyard 10k', role: 'peer', summaries: { processRate: summarize([9000, 9500]) } },
            ],
          },
        ],
      },
    ];
    const [hundredK, oneM] = backlog.map((t) => evaluateTarget(t, sections));
    // Rounds: 0.889 and 0.737; median 0.813.
    expect(hundredK).toMatchObject({ status: 'met', spreadCrosses: true });
    expect(hundredK?.measured).toBeCloseTo((8000 / 9000 + 7000 / 9500) / 2, 10);
    expect(oneM).toMatchObject({ status: 'not run', reason: 'scenario backlog-1m was not run' });
  });
});

describe('evaluateTarget: a run that started on a busy machine', () => {
  const busy = (busiestPercent: number): SectionResult[] =>
    section([
      { ...scenario('x', { switchyard: 120, peer: 100 }), background: { busiestPercent, waitedMs: 0 } },
    ]);

  it('says how busy the machine was when the scenario saw it above the threshold', () => {
    const result = evaluateTarget(at({ kind: 'ratio-at-least', peer: 'peer', value: 1 }), busy(45));
    expect(result.busyMachinePercent).toBe(45);
    expect(describeVerdict(result)).toBe('met; a run started with the machine 45 % busy');
  });

  it('keeps both flags when the spread also crosses the target', () => {
    const result = evaluateTarget(at({ kind: 'at-least', value: 100 }), busy(60));
    expect(describeVerdict({ ...result, spreadCrosses: true, status: 'missed' })).toBe(
      '**MISSED**, spread crosses the target; a run started with the machine 60 % busy',
    );
  });

  it('says nothing at or under the threshold', () => {
    const result = evaluateTarget(at({ kind: 'ratio-at-least', peer: 'peer', value: 1 }), busy(20));
    expect(result.busyMachinePercent).toBeUndefined();
    expect(describeVerdict(result)).toBe('met');
  });
});
