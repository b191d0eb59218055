/**
 * Issue 22's backlog scenarios, for any backend whose script takes BENCH_BACKLOG /
 * BENCH_WINDOW / BENCH_ONLY (backlog-measure.ts): the processing rate with a large backlog
 * in place, beside the same adapter with 10,000 queued (the ratio the target reads) and the
 * raw library on the same backlog; plus single-job enqueue latency with the backlog in place.
 */
import type { BenchOptions, Scenario } from '../section.ts';
import {
  type ScriptColumn,
  type ScriptContender,
  type ScriptRun,
  scriptContenders,
} from './script-runner.ts';

/** The backlog the issue-22 ratios are taken against, and the name of its contender. */
export const BASE_BACKLOG = 10_000;
export const BASE_CONTENDER = 'switchyard 10k';

const BACKLOG_COLUMNS: ScriptColumn[] = [
  {
    header: 'processing jobs/s',
    metric: { key: 'processRate', label: 'processing jobs/s', better: 'higher' },
  },
  { header: 'enqueue p50 ms', metric: { key: 'enqueueP50', label: 'enqueue p50 ms', better: 'lower' } },
  { header: 'enqueue p99 ms', metric: { key: 'enqueueP99', label: 'enqueue p99 ms', better: 'lower' } },
];

/** The backlogs a full run measures per section (issue 22; SQS: 10,000 and 100,000 as asked). */
export const FULL_BACKLOGS = {
  pgboss: [100_000, 1_000_000],
  bullmq: [100_000, 1_000_000],
  sqs: [100_000],
} as const;

/** Which backend script, its extra environment, the raw library's contender (if any) and the sizes. */
export interface BacklogPlan {
  script: string;
  env?: Record<string, string>;
  /** The raw library on the same backlog: its `BENCH_ONLY` key and its row's name. */
  raw?: { name: string; only: string; system: string };
  /** Backlogs measured in a full run (quick runs take 100,000 only). */
  full: readonly number[];
}

/** The scenario id of a backlog: `backlog-100k`, `backlog-1m`. */
export function backlogScenarioId(backlog: number): string {
  return `backlog-${backlog >= 1_000_000 ? `${backlog / 1_000_000}m` : `${backlog / 1000}k`}`;
}

export function backlogScenarios(plan: BacklogPlan, options: BenchOptions): Scenario[] {
  // The same window as the 10,000-queued run, so both rates cover the same amount of work.
  const window = options.quick ? 5000 : BASE_BACKLOG;
  const run = (backlog: number): ScriptRun => ({
    script: plan.script,
    env: {
      ...plan.env,
      BENCH_BACKLOG: String(backlog),
      BENCH_WINDOW: String(window),
      BENCH_CONCURRENCY: '50',
    },
    timeoutMs: 6 * 60_000,
    columns: BACKLOG_COLUMNS,
  });
  const backlogs = options.quick ? [100_000] : plan.full;
  return backlogs.map((backlog): Scenario => {
    const under: ScriptContender[] = [
      { name: 'switchyard', role: 'switchyard', only: 'adapter', system: `switchyard, ${backlog} queued` },
    ];
    if (plan.raw) under.push({ ...plan.raw, role: 'peer', system: `${plan.raw.system}, ${backlog} queued` });
    return {
      id: backlogScenarioId(backlog),
      title: `${backlog.toLocaleString('en-US')} no-op jobs queued first, then ${Math.min(window, backlog).toLocaleString('en-US')} processed at concurrency 50; enqueue latency with the backlog in place`,
      settings: { backlog, processed: window, concurrency: 50, enqueueSamples: 200 },
      metrics: BACKLOG_COLUMNS.map((column) => column.metric),
      contenders: [
        ...scriptContenders(run(backlog), under),
        ...scriptContenders(run(BASE_BACKLOG), [
          {
            name: BASE_CONTENDER,
            role: 'peer',
            only: 'adapter',
            system: `switchyard, ${BASE_BACKLOG} queued`,
          },
        ]),
      ],
    };
  });
}
