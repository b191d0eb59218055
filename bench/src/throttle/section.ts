/**
 * The throttling section (issue 19): throughput of a task under a cluster-wide rate limit,
 * on every backend, with two workers (two yards on one backend) competing for the starts.
 * The rate is read from the jobs' own `startedAt` (see `rateFromStarts`).
 */
import { createSwitchyard, defineTask, type Switchyard } from '@switchyard/core';
import { BACKEND_NAMES, type BackendName, freshBackend, stopSqsEmulator } from '../operations/backends.ts';
import type { BenchOptions, Scenario, Section } from '../section.ts';
import { until } from '../wait.ts';

/** The limit under test: 100 starts per second; a full run spans 30 windows (a quick one 5). */
export const LIMIT = { max: 100, perMs: 1000 };
const LIMIT_PER_SECOND = (LIMIT.max * 1000) / LIMIT.perMs;

const limited = defineTask({
  name: 'bench-rate-limited',
  queue: 'throttled',
  rateLimit: { max: LIMIT.max, per: LIMIT.perMs },
  retry: { attempts: 1 },
  handler: () => undefined,
});

/**
 * Starts per second over the run: the starts after the first, over the time from the first
 * start to the last. With many windows (jobs ≫ max) the edges weigh little: a limiter that
 * uses its whole allowance gives the limit (a bursty one up to `max / jobs` more).
 */
export function rateFromStarts(starts: number[]): number {
  const sorted = [...starts].sort((a, b) => a - b);
  const span = sorted.at(-1)! - sorted[0]!;
  return span > 0 ? ((sorted.length - 1) * 1000) / span : Number.NaN;
}

function rateLimitScenario(kind: BackendName, jobs: number): Scenario {
  return {
    id: `rate-limit-${kind}`,
    title: `${kind}: ${jobs} no-op jobs under rateLimit { max: ${LIMIT.max}, per: ${LIMIT.perMs} ms } (${LIMIT_PER_SECOND}/s), two workers`,
    settings: { jobs, max: LIMIT.max, perMs: LIMIT.perMs, workers: 2, concurrency: 10 },
    metrics: [
      { key: 'rate', label: 'starts/s', better: 'higher' },
      { key: 'ratio', label: 'rate / limit', better: 'higher' },
    ],
    rounds: 1,
    contenders: [
      {
        name: 'switchyard',
        role: 'switchyard',
        run: async () => {
          const backend = await freshBackend(kind);
          const yards: Switchyard[] = [];
          try {
            const starts: number[] = [];
            for (let n = 0; n < 2; n++) {
              const yard = createSwitchyard({
                adapter: backend.adapter(),
                tasks: [limited],
                publishEvents: false,
              });
              yards.push(yard);
              await yard.start();
              yard.on('job:completed', ({ job }) => {
                if (job.startedAt) starts.push(job.startedAt.getTime());
              });
            }
            await yards[0]!.enqueueMany(
              limited,
              Array.from({ length: jobs }, () => ({})),
            );
            for (const yard of yards) await yard.createWorker({ concurrency: 10, scheduler: false }).start();
            await until(() => starts.length >= jobs, 120_000, 20);
            const rate = rateFromStarts(starts);
            return { rate, ratio: rate / LIMIT_PER_SECOND };
          } finally {
            for (const yard of yards) await yard.close();
            await backend.drop();
          }
        },
      },
    ],
  };
}

/** The throttling section. */
export function throttleSection(): Section {
  return {
    name: 'throttling',
    peers: [],
    availability: async () => undefined,
    close: stopSqsEmulator,
    scenarios: async (options: BenchOptions) =>
      BACKEND_NAMES.map((kind) => rateLimitScenario(kind, options.quick ? 500 : 3000)),
  };
}
