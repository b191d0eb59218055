/** The figures the issues ask for, and the pure check of a run against them. */
import type { ScenarioResult, SectionResult, TargetResult } from './results.ts';
import { pairedRatio } from './stats.ts';

/** A required figure: an absolute Switchyard number, or a ratio to a named peer. */
export interface Target {
  id: string;
  description: string;
  section: string;
  scenario: string;
  metric: string;
  check:
    | { kind: 'at-least'; value: number }
    | { kind: 'below'; value: number }
    | { kind: 'ratio-at-least'; peer: string; value: number }
    | { kind: 'ratio-at-most'; peer: string; value: number };
}

/** From issues 2 (foundation), 3 (BullMQ), 4 (pg-boss), 5 (SQS) and 6 (benchmarks). */
export const TARGETS: Target[] = [
  {
    id: 'memory-throughput',
    description: 'memory adapter ≥ 200,000 no-op jobs/s at concurrency 100, priorities on',
    section: 'memory',
    scenario: 'throughput-c100',
    metric: 'rate',
    check: { kind: 'at-least', value: 200_000 },
  },
  {
    id: 'memory-rss',
    description: '1,000,000 queued jobs in the memory adapter < 1 GiB resident memory',
    section: 'memory',
    scenario: 'rss-1m',
    metric: 'rssMiB',
    check: { kind: 'below', value: 1024 },
  },
  {
    id: 'bullmq-ratio',
    description: 'BullMQ adapter ≥ 0.9× raw BullMQ (no-op processing rate, concurrency 100)',
    section: 'bullmq',
    scenario: 'side-by-side',
    metric: 'processRate',
    check: { kind: 'ratio-at-least', peer: 'bullmq', value: 0.9 },
  },
  {
    id: 'bullmq-enqueue',
    description: 'BullMQ adapter bulk enqueue ≥ 0.9× raw `addBulk`',
    section: 'bullmq',
    scenario: 'side-by-side',
    metric: 'enqueueRate',
    check: { kind: 'ratio-at-least', peer: 'bullmq', value: 0.9 },
  },
  {
    id: 'bullmq-latency',
    description: 'BullMQ adapter idle enqueue-to-start p50 within 1.5× raw BullMQ',
    section: 'bullmq',
    scenario: 'side-by-side',
    metric: 'p50',
    check: { kind: 'ratio-at-most', peer: 'bullmq', value: 1.5 },
  },
  {
    id: 'pgboss-ratio',
    description: 'pg-boss adapter ≥ 1.0× graphile-worker (no-op processing rate)',
    section: 'pgboss',
    scenario: 'side-by-side',
    metric: 'processRate',
    check: { kind: 'ratio-at-least', peer: 'graphile-worker', value: 1.0 },
  },
  {
    id: 'pgboss-wakeup',
    description: 'pg-boss adapter p50 wake-up (idle enqueue-to-start) < 10 ms',
    section: 'pgboss',
    scenario: 'side-by-side',
    metric: 'p50',
    check: { kind: 'below', value: 10 },
  },
  {
    id: 'pgboss-enqueue',
    description: 'pg-boss adapter bulk enqueue ≥ 0.9× raw pg-boss `insert`',
    section: 'pgboss',
    scenario: 'side-by-side',
    metric: 'enqueueRate',
    check: { kind: 'ratio-at-least', peer: 'pg-boss', value: 0.9 },
  },
  {
    id: 'sqs-ratio',
    description: 'SQS adapter ≥ 1.5× sqs-consumer (no-op processing rate)',
    section: 'sqs',
    scenario: 'throughput',
    metric: 'rate',
    check: { kind: 'ratio-at-least', peer: 'sqs-consumer', value: 1.5 },
  },
];

function summary(scenario: ScenarioResult, contender: string, metric: string) {
  return scenario.contenders.find((c) => c.name === contender)?.summaries[metric];
}

function notRun(target: Target, reason: string): TargetResult {
  const { check: _check, ...rest } = target;
  return { ...rest, status: 'not run', reason };
}

/** Checks one target against a run's sections. */
export function evaluateTarget(target: Target, sections: SectionResult[]): TargetResult {
  const section = sections.find((s) => s.name === target.section);
  if (section === undefined) return notRun(target, `section ${target.section} was not selected`);
  if (section.notRun !== undefined) return notRun(target, section.notRun);
  const scenario = section.scenarios.find((s) => s.id === target.scenario);
  if (scenario === undefined) return notRun(target, `scenario ${target.scenario} was not run`);
  const switchyard = summary(scenario, 'switchyard', target.metric);
  if (switchyard === undefined) {
    const reason = scenario.notRun.find((n) => n.name === 'switchyard')?.reason ?? 'no Switchyard figure';
    return notRun(target, reason);
  }
  const { check, ...rest } = target;
  let measured = switchyard.median;
  let met: boolean;
  if (check.kind === 'ratio-at-least' || check.kind === 'ratio-at-most') {
    const peer = summary(scenario, check.peer, target.metric);
    const paired = peer === undefined ? undefined : pairedRatio(switchyard.samples, peer.samples);
    if (paired === undefined) {
      const reason = scenario.notRun.find((n) => n.name === check.peer)?.reason ?? `no ${check.peer} figure`;
      return notRun(target, reason);
    }
    measured = paired;
    met = check.kind === 'ratio-at-least' ? measured >= check.value : measured <= check.value;
  } else if (check.kind === 'at-least') {
    met = measured >= check.value;
  } else {
    met = measured < check.value;
  }
  return { ...rest, status: met ? 'met' : 'missed', measured };
}

/** Checks every target. */
export function evaluateTargets(sections: SectionResult[]): TargetResult[] {
  return TARGETS.map((target) => evaluateTarget(target, sections));
}

/** The requirement as a short phrase for the table ("≥ 200,000", "≥ 0.9× bullmq", "< 10"). */
export function describeCheck(target: Target): string {
  const { check } = target;
  if (check.kind === 'ratio-at-least') return `≥ ${check.value}× ${check.peer}`;
  if (check.kind === 'ratio-at-most') return `≤ ${check.value}× ${check.peer}`;
  return `${check.kind === 'at-least' ? '≥' : '<'} ${check.value.toLocaleString('en-US')}`;
}
