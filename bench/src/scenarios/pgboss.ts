/**
 * The PostgreSQL section: the Switchyard pg-boss adapter against raw pg-boss
 * and graphile-worker on the same database, through `bench/src/pgboss.ts`.
 */
import pg from 'pg';
import type { BenchOptions, Scenario, Section } from '../section.ts';
import { type ScriptColumn, type ScriptRun, scriptContenders, sideBySideColumns } from './script-runner.ts';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Redacts a password in a connection string before it is written to a report. */
function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

/** Builds the pg-boss section. */
export function section(): Section {
  let serverVersion = 'unknown';
  return {
    name: 'pgboss',
    peers: ['pg-boss', 'graphile-worker', 'switchyard 10k'],
    async availability() {
      const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3000 });
      try {
        await client.connect();
        const { rows } = await client.query<{ server_version: string }>('show server_version');
        serverVersion = rows[0]?.server_version ?? 'unknown';
        return undefined;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return `PostgreSQL unreachable at DATABASE_URL=${redact(DATABASE_URL)} (${message}); start PostgreSQL or set DATABASE_URL`;
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    async environment() {
      return { postgres: serverVersion, DATABASE_URL: redact(DATABASE_URL) };
    },
    async scenarios(options: BenchOptions): Promise<Scenario[]> {
      const jobs = options.quick ? 1000 : 5000;
      const samples = options.quick ? 20 : 100;
      const concurrency = 20;
      const spec: ScriptRun = {
        script: 'pgboss.ts',
        env: {
          BENCH_JOBS: String(jobs),
          BENCH_SAMPLES: String(samples),
          BENCH_CONCURRENCY: String(concurrency),
          // The runner does the rounds (alternating contenders); one round per script run.
          BENCH_ROUNDS: '1',
        },
        timeoutMs: 10 * 60_000,
        columns: sideBySideColumns({
          enqueue: 'bulk enqueue jobs/s',
          process: 'processing jobs/s',
          p50: 'idle start p50 ms',
          p95: 'p95 ms',
        }),
      };
      return [
        {
          id: 'side-by-side',
          title: 'Bulk enqueue, no-op processing (all queued first), idle enqueue-to-start',
          settings: { jobs, latencySamples: samples, concurrency, insertBatch: 1000 },
          metrics: spec.columns.map((column) => column.metric),
          ...(options.quick ? { rounds: 1 } : {}),
          contenders: scriptContenders(spec, [
            { name: 'switchyard', role: 'switchyard', only: 'adapter', system: 'switchyard' },
            { name: 'pg-boss', role: 'peer', only: 'pgboss', system: 'raw pg-boss' },
            { name: 'graphile-worker', role: 'peer', only: 'graphile', system: 'graphile-worker' },
          ]),
        },
        ...backlogScenarios(options),
      ];
    },
  };
}

/** The backlog the issue-22 ratios are taken against. */
const BASE_BACKLOG = 10_000;

const BACKLOG_COLUMNS: ScriptColumn[] = [
  {
    header: 'processing jobs/s',
    metric: { key: 'processRate', label: 'processing jobs/s', better: 'higher' },
  },
  { header: 'enqueue p50 ms', metric: { key: 'enqueueP50', label: 'enqueue p50 ms', better: 'lower' } },
  { header: 'enqueue p99 ms', metric: { key: 'enqueueP99', label: 'enqueue p99 ms', better: 'lower' } },
];

/** `bench/src/pgboss-backlog.ts` with `backlog` jobs queued first. */
function backlogRun(backlog: number, window: number): ScriptRun {
  return {
    script: 'pgboss-backlog.ts',
    env: { BENCH_BACKLOG: String(backlog), BENCH_WINDOW: String(window), BENCH_CONCURRENCY: '50' },
    timeoutMs: 4 * 60_000,
    columns: BACKLOG_COLUMNS,
  };
}

/**
 * Issue 22: processing rate with a large backlog in place, beside the same worker with 10,000 queued (the
 * ratio the target reads) and raw pg-boss on the same backlog; plus single-job enqueue latency with the
 * backlog in place. 1,000,000 queued in full runs only (filling it takes about half a minute per contender).
 */
function backlogScenarios(options: BenchOptions): Scenario[] {
  // The same window as the 10,000-queued run, so both rates cover the same amount of work.
  const window = options.quick ? 5000 : BASE_BACKLOG;
  const backlogs = options.quick ? [100_000] : [100_000, 1_000_000];
  const base = backlogRun(BASE_BACKLOG, window);
  return backlogs.map((backlog): Scenario => {
    const spec = backlogRun(backlog, window);
    return {
      id: `backlog-${backlog >= 1_000_000 ? `${backlog / 1_000_000}m` : `${backlog / 1000}k`}`,
      title: `${backlog.toLocaleString('en-US')} no-op jobs queued first, then ${Math.min(window, backlog).toLocaleString('en-US')} processed at concurrency 50; enqueue latency with the backlog in place`,
      settings: { backlog, processed: window, concurrency: 50, enqueueSamples: 200 },
      metrics: BACKLOG_COLUMNS.map((column) => column.metric),
      contenders: [
        ...scriptContenders(spec, [
          {
            name: 'switchyard',
            role: 'switchyard',
            only: 'adapter',
            system: `switchyard, ${backlog} queued`,
          },
          { name: 'pg-boss', role: 'peer', only: 'pgboss', system: `raw pg-boss, ${backlog} queued` },
        ]),
        ...scriptContenders(base, [
          {
            name: 'switchyard 10k',
            role: 'peer',
            only: 'adapter',
            system: `switchyard, ${BASE_BACKLOG} queued`,
          },
        ]),
      ],
    };
  });
}
