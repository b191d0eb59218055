/**
 * The operations section: the figures of issue 11 on every backend — a filtered first
 * page and `stats.summary()` with a large backlog, the cost of recording history (and of
 * publishing events) on processing, the latency of a job event to a subscriber in another
 * process, the memory a bulk retry of many failed jobs takes while a worker runs, and the
 * REST API's list and get figures (issue 13).
 */
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createSwitchyard, defineTask, type ListJobsQuery, type Switchyard } from '@switchyard/core';
import { onLines } from '../child-lines.ts';
import type { BenchOptions, Sample, Scenario, Section } from '../section.ts';
import { percentile } from '../stats.ts';
import { sleep, until } from '../wait.ts';
import { apiScenario } from './api.ts';
import {
  BACKEND_NAMES,
  type BackendName,
  type BenchBackend,
  freshBackend,
  stopSqsEmulator,
} from './backends.ts';
import { costScenario } from './cost.ts';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));
const run = promisify(execFile);

interface Sizes {
  backlog: number;
  processed: number;
  latencySamples: number;
  bulkJobs: number;
  /** Rounds of the history-cost scenarios: the target is a 5 % difference, so more than the default. */
  costRounds?: number;
}
const FULL: Sizes = {
  backlog: 100_000,
  processed: 20_000,
  latencySamples: 200,
  bulkJobs: 20_000,
  costRounds: 9,
};
const QUICK: Sizes = { backlog: 20_000, processed: 3_000, latencySamples: 50, bulkJobs: 5_000 };
const QUERY_SAMPLES = 20;

const noop = defineTask({ name: 'ops-noop', queue: 'ops', handler: () => undefined });

/** Times `fn` QUERY_SAMPLES times (after one warm-up call) and returns the p50 in ms. */
async function p50(fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < QUERY_SAMPLES; i++) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  return percentile(times, 50);
}

async function withYard<T>(
  kind: BackendName,
  options: Parameters<typeof createSwitchyard>[0] extends infer O ? Partial<O> : never,
  body: (yard: Switchyard, backend: BenchBackend) => Promise<T>,
): Promise<T> {
  const backend = await freshBackend(kind);
  const yard = createSwitchyard({ adapter: backend.adapter(), tasks: [noop], ...options });
  await yard.start();
  try {
    return await body(yard, backend);
  } finally {
    await yard.close();
    await backend.drop();
  }
}

/** First filtered pages and the summary, with `backlog` pending jobs of ten tenants. */
function queriesScenario(kind: BackendName, sizes: Sizes): Scenario {
  const filters: Record<string, ListJobsQuery> = {
    metadataP50: { state: 'pending', metadata: { tenant: 't3' } },
    payloadP50: { payload: { tenant: 't3' } },
    queueP50: { queue: 'ops' },
  };
  return {
    id: `queries-${kind}`,
    title: `${kind}: first page of jobs.list with a filter, and stats.summary(), ${sizes.backlog.toLocaleString('en')} jobs stored`,
    settings: { backlog: sizes.backlog, pageSize: 50, samples: QUERY_SAMPLES, tenants: 10 },
    metrics: [
      ...Object.keys(filters).map((key) => ({
        key,
        label: `${key.replace('P50', '')} filter p50 ms`,
        better: 'lower' as const,
      })),
      { key: 'summaryP50', label: 'summary p50 ms', better: 'lower' },
      ...(kind === 'pgboss'
        ? [{ key: 'summaryVacuumedP50', label: 'summary p50 ms after VACUUM', better: 'lower' as const }]
        : []),
    ],
    rounds: 1,
    contenders: [
      {
        name: 'switchyard',
        role: 'switchyard',
        run: () =>
          withYard(kind, { publishEvents: false }, async (yard, backend) => {
            for (let done = 0; done < sizes.backlog; done += 1000) {
              const count = Math.min(1000, sizes.backlog - done);
              // enqueueMany shares metadata per call: one tenant per batch of 1000, ten tenants in turn.
              const tenant = `t${(done / 1000) % 10}`;
              await yard.enqueueMany(
                noop,
                Array.from({ length: count }, (_, n) => ({ n: done + n, tenant })),
                { metadata: { tenant } },
              );
            }
            const sample: Sample = {};
            for (const [key, filter] of Object.entries(filters)) {
              sample[key] = await p50(() => yard.jobs.list({ ...filter, limit: 50 }));
            }
            sample.summaryP50 = await p50(() => yard.stats.summary());
            if (backend.vacuum) {
              // The state a default server's autovacuum leaves a table in, after 1,000 + 20 % of it was inserted.
              await backend.vacuum();
              sample.summaryVacuumedP50 = await p50(() => yard.stats.summary());
            }
            return sample;
          }),
      },
    ],
  };
}

/** Time from `enqueue` resolving (the change is stored) to a subscriber in another process seeing `enqueued`. */
function latencyScenario(kind: BackendName, sizes: Sizes): Scenario {
  return {
    id: `event-latency-${kind}`,
    title: `${kind}: an event reaches a subscriber in another process (enqueue stored → received)`,
    settings: { samples: sizes.latencySamples, spacingMs: 10 },
    metrics: [
      { key: 'p50', label: 'p50 ms', better: 'lower' },
      { key: 'p95', label: 'p95 ms', better: 'lower' },
    ],
    contenders: [
      {
        name: 'switchyard',
        role: 'switchyard',
        run: () =>
          withYard(kind, {}, async (yard, backend) => {
            const child = spawn(process.execPath, [CHILD, 'listen', backend.spec], {
              stdio: ['ignore', 'pipe', 'inherit'],
            });
            const received = new Map<string, number>();
            let ready = false;
            onLines(child.stdout, (line) => {
              if (line === 'READY') ready = true;
              const [tag, jobId, type, at] = line.split(' ');
              if (tag === 'E' && type === 'enqueued') received.set(jobId!, Number(at));
            });
            try {
              if (!(await until(() => ready, 30_000, 5))) throw new Error('the listener did not start');
              const stored = new Map<string, number>();
              for (let i = 0; i < sizes.latencySamples; i++) {
                const { id } = await yard.enqueue(noop, {}, { queue: 'latency' });
                stored.set(id, performance.timeOrigin + performance.now());
                await sleep(10);
              }
              await until(() => received.size >= stored.size, 10_000, 5);
              const latencies = [...stored].flatMap(([id, at]) => {
                const seen = received.get(id);
                return seen === undefined ? [] : [seen - at];
              });
              if (latencies.length < stored.size)
                throw new Error(`${stored.size - latencies.length} events never arrived`);
              return { p50: percentile(latencies, 50), p95: percentile(latencies, 95) };
            } finally {
              child.kill('SIGKILL');
            }
          }),
      },
    ],
  };
}

function bulkScenario(kind: BackendName, sizes: Sizes): Scenario {
  return {
    id: `bulk-retry-${kind}`,
    title: `${kind}: bulk retry of ${sizes.bulkJobs.toLocaleString('en')} failed jobs while a worker runs (child process)`,
    settings: { jobs: sizes.bulkJobs, batchSize: 500, workerConcurrency: 50 },
    metrics: [
      { key: 'peakGrowthMiB', label: 'peak RSS growth MiB', better: 'lower' },
      { key: 'bulkSeconds', label: 'bulk call s', better: 'lower' },
    ],
    rounds: 1,
    contenders: [
      {
        name: 'switchyard',
        role: 'switchyard',
        run: async () => {
          const backend = await freshBackend(kind);
          try {
            const { stdout } = await run(
              process.execPath,
              ['--expose-gc', CHILD, 'bulk-rss', backend.spec, String(sizes.bulkJobs)],
              { maxBuffer: 1024 * 1024, timeout: 10 * 60_000 },
            );
            return JSON.parse(stdout.trim().split('\n').at(-1)!) as Sample;
          } finally {
            await backend.drop();
          }
        },
      },
    ],
  };
}

/** The operations section. */
export function operationsSection(): Section {
  return {
    name: 'operations',
    peers: ['history off', 'history and events off'],
    availability: async () => undefined,
    close: stopSqsEmulator,
    scenarios: async (options: BenchOptions) => {
      const sizes = options.quick ? QUICK : FULL;
      return BACKEND_NAMES.flatMap((kind) => [
        queriesScenario(kind, sizes),
        // Memory drains 20,000 jobs in a fraction of a second, too short for three processes to overlap.
        costScenario(kind, kind === 'memory' ? sizes.processed * 10 : sizes.processed, sizes.costRounds),
        ...(kind === 'memory' ? [] : [latencyScenario(kind, sizes)]),
        bulkScenario(kind, sizes),
        apiScenario(kind, sizes.backlog),
      ]);
    },
  };
}
