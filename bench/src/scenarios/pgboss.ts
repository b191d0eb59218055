/**
 * The PostgreSQL section: the Switchyard pg-boss adapter against raw pg-boss
 * and graphile-worker on the same database, through `bench/src/pgboss.ts`.
 */

import { DATABASE_URL } from '@switchyard/test-services';
import pg from 'pg';
import type { BenchOptions, Scenario, Section } from '../section.ts';
import { BASE_CONTENDER, backlogScenarios, FULL_BACKLOGS } from './backlog.ts';
import { type ScriptRun, scriptContenders, sideBySideColumns } from './script-runner.ts';

/** Redacts a password in a connection string before it is written to a report. */
function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

/** Builds the pg-boss section. */
export function section(): Section {
  let serverVersion = 'unknown';
  return {
    name: 'pgboss',
    peers: ['pg-boss', 'graphile-worker', BASE_CONTENDER],
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
        ...backlogScenarios(
          {
            script: 'pgboss-backlog.ts',
            raw: { name: 'pg-boss', only: 'pgboss', system: 'raw pg-boss' },
            full: FULL_BACKLOGS.pgboss,
          },
          options,
        ),
      ];
    },
  };
}
