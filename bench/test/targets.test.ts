import { describe, expect, it } from 'vitest';
import type { ScenarioResult, SectionResult } from '../src/results.ts';
import { summarize } from '../src/stats.ts';
import { evaluateTarget, type Target } from '../src/targets.ts';

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
