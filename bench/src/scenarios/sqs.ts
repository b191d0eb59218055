/**
 * The SQS section: the Switchyard SQS adapter against `sqs-consumer` on one
 * emulator, through `bench/src/sqs.ts`. That script alternates its
 * contenders itself (`BENCH_ROUNDS`), so it runs once and reports every round.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { REDIS_URL } from '@switchyard/test-services';
import type { BenchOptions, Sample, Scenario, Section } from '../section.ts';
import { BASE_CONTENDER, backlogScenarios, FULL_BACKLOGS } from './backlog.ts';
import { probeRedis } from './bullmq.ts';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../sqs.ts', import.meta.url));

/** Contender name → how its block in the script's output begins. */
const SYSTEMS: Record<string, string> = { switchyard: 'switchyard', 'sqs-consumer': 'sqs-consumer' };

function callsPerJob(line: string | undefined): number | undefined {
  const match = line?.match(/:\s*([\d.]+) calls\/job/);
  return match ? Number(match[1]) : undefined;
}

/**
 * Pure: reads the script's report, a block per contender:
 *   <system name>
 *     processing: 1333 jobs/s (rounds: 610, 1333)
 *     enqueue:    0.100 calls/job (...)
 *     processing: 0.204 calls/job (...)
 * Rates become one sample per round; calls per job (median round) go on the first.
 */
export function parseSqsReport(stdout: string): Record<string, Sample[]> {
  const lines = stdout.split('\n');
  const result: Record<string, Sample[]> = {};
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const name = Object.keys(SYSTEMS).find((key) => line.startsWith(SYSTEMS[key]!));
    if (name === undefined) continue;
    const block = lines.slice(index + 1, index + 4);
    const rounds = block.find((l) => l.includes('jobs/s'))?.match(/rounds:\s*([^)]*)\)/)?.[1];
    if (rounds === undefined) continue;
    const samples: Sample[] = rounds.split(',').map((value) => ({ rate: Number(value.trim()) }));
    const enqueueCalls = callsPerJob(block.find((l) => l.trim().startsWith('enqueue:')));
    const processCalls = callsPerJob(
      block.find((l) => l.includes('calls/job') && l.trim().startsWith('processing:')),
    );
    if (samples[0] !== undefined) {
      if (enqueueCalls !== undefined) samples[0].enqueueCalls = enqueueCalls;
      if (processCalls !== undefined) samples[0].processCalls = processCalls;
    }
    result[name] = samples;
  }
  return result;
}

/** Builds the SQS section. */
export function section(): Section {
  let redisVersion = 'unknown';
  return {
    name: 'sqs',
    peers: ['sqs-consumer', 'aws-sdk', BASE_CONTENDER],
    async availability() {
      const probe = await probeRedis();
      if ('reason' in probe) return `the SQS adapter keeps job state in Redis: ${probe.reason}`;
      redisVersion = probe.version;
      return undefined;
    },
    async environment() {
      return {
        sqs: process.env.SQS_ENDPOINT ?? 'fauxqs emulator started in-process',
        redis: redisVersion,
        REDIS_URL,
      };
    },
    async scenarios(options: BenchOptions): Promise<Scenario[]> {
      const jobs = options.quick ? 1000 : 3000;
      const concurrency = 20;
      return [
        {
          id: 'throughput',
          title: 'No-op processing throughput (all queued first)',
          settings: {
            jobs,
            concurrency,
            waitTimeSeconds: 1,
            script: 'bench/src/sqs.ts (alternates contenders itself)',
          },
          metrics: [
            { key: 'rate', label: 'jobs/s', better: 'higher' },
            { key: 'enqueueCalls', label: 'SQS calls/job enqueue', better: 'lower' },
            { key: 'processCalls', label: 'SQS calls/job processing', better: 'lower' },
          ],
          ...(options.quick ? { rounds: 2 } : {}),
          contenders: [
            { name: 'switchyard', role: 'switchyard', settings: { ordering: 'strict', store: 'redis' } },
            { name: 'sqs-consumer', role: 'peer', settings: { batchSize: 10 } },
          ],
          notRun: [{ name: 'aws-sdk', reason: 'bench/src/sqs.ts has no bare-SDK contender yet' }],
          async runTogether(rounds) {
            const { stdout } = await run(process.execPath, [SCRIPT], {
              env: {
                ...process.env,
                BENCH_JOBS: String(jobs),
                BENCH_CONCURRENCY: String(concurrency),
                BENCH_ROUNDS: String(rounds),
              },
              maxBuffer: 64 * 1024 * 1024,
            });
            return parseSqsReport(stdout);
          },
        },
        // Issue 22 asks SQS for 10,000 and 100,000 queued (the 10,000 run is the base of the ratio).
        ...backlogScenarios(
          { script: 'redis-backlog.ts', env: { BENCH_BACKEND: 'sqs' }, full: FULL_BACKLOGS.sqs },
          options,
        ),
      ];
    },
  };
}
