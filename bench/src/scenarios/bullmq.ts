/**
 * The Redis section: Switchyard (yard + worker on the BullMQ adapter) against
 * raw BullMQ on the same Redis, through `bench/src/bullmq.ts`, which
 * alternates its contenders itself and prints each round's figures. It
 * also measures the adapter's raw leases without core, shown as an extra
 * column so core's share of the cost is visible, and the yard with events and history off,
 * so the operations features' share is too.
 */

import { REDIS_URL, redisUnreachableMessage } from '@switchyard/test-services';
import { Redis } from 'ioredis';
import type { BenchOptions, Scenario, Section } from '../section.ts';
import { BASE_CONTENDER, backlogScenarios, FULL_BACKLOGS } from './backlog.ts';
import {
  runScriptTogether,
  type ScriptColumn,
  type ScriptContender,
  type ScriptRun,
  sideBySideColumns,
} from './script-runner.ts';

/** The yard without cluster-wide events and throughput history, beside the defaults. */
const LEAN_YARD = 'events and history off';

/** Where each phase's time goes: CPU per job in this process and in Redis (bench/src/cpu-cost.ts). */
const CPU_COLUMNS: ScriptColumn[] = (
  [
    ['enqueue node µs/job', 'enqueueNodeUs', 'bulk enqueue: Node CPU µs/job'],
    ['enqueue redis µs/job', 'enqueueRedisUs', 'bulk enqueue: Redis CPU µs/job'],
    ['process node µs/job', 'processNodeUs', 'processing: Node CPU µs/job'],
    ['process redis µs/job', 'processRedisUs', 'processing: Redis CPU µs/job'],
  ] as const
).map(([header, key, label]) => ({ header, metric: { key, label, better: 'lower' as const } }));

/** Checks Redis and reads its version; resolves to a reason when unreachable. */
export async function probeRedis(): Promise<{ version: string } | { reason: string }> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 3000 });
  try {
    await redis.connect();
    const info = await redis.info('server');
    return { version: info.match(/redis_version:(\S+)/)?.[1] ?? 'unknown' };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      reason: redisUnreachableMessage(REDIS_URL, message),
    };
  } finally {
    redis.disconnect();
  }
}

/** Builds the BullMQ section. */
export function section(): Section {
  let redisVersion = 'unknown';
  return {
    name: 'bullmq',
    peers: ['bullmq', 'bullmq, prioritized', 'adapter leases (no core)', LEAN_YARD, BASE_CONTENDER],
    async availability() {
      const probe = await probeRedis();
      if ('reason' in probe) return probe.reason;
      redisVersion = probe.version;
      return undefined;
    },
    async environment() {
      return { redis: redisVersion, REDIS_URL };
    },
    async scenarios(options: BenchOptions): Promise<Scenario[]> {
      const jobs = options.quick ? 2000 : 10_000;
      // Per contender and round; the five idle workers take them in turns (`measureInterleaved`).
      const samples = options.quick ? 20 : 100;
      const contenders: ScriptContender[] = [
        { name: 'switchyard', role: 'switchyard', system: 'switchyard yard + worker' },
        { name: 'bullmq', role: 'peer', system: 'raw BullMQ', settings: { api: 'Queue.addBulk / Worker' } },
        // Switchyard's jobs are all prioritized (strict 0..9 order); this peer pays the same BullMQ path.
        {
          name: 'bullmq, prioritized',
          role: 'peer',
          system: 'prioritized raw BullMQ',
          settings: { api: 'Queue.addBulk / Worker', priority: 6 },
        },
        { name: 'adapter leases (no core)', role: 'peer', system: 'switchyard bullmq adapter (leases)' },
        // What the operations features cost: the same yard without cluster-wide events and history.
        {
          name: LEAN_YARD,
          role: 'peer',
          system: 'lean switchyard yard',
          settings: { publishEvents: false, history: { record: false } },
        },
      ];
      // Issue 22 asks for the processing ratio at concurrency 100 and at 10: one scenario each.
      const sideBySide = [
        { id: 'side-by-side', concurrency: 100 },
        { id: 'side-by-side-c10', concurrency: 10 },
      ].map(({ id, concurrency }): Scenario => {
        const spec: ScriptRun = {
          script: 'bullmq.ts',
          env: {
            BENCH_JOBS: String(jobs),
            BENCH_SAMPLES: String(samples),
            BENCH_CONCURRENCY: String(concurrency),
          },
          timeoutMs: 20 * 60_000,
          columns: [
            ...sideBySideColumns({
              enqueue: 'enqueue jobs/s',
              process: 'process jobs/s',
              p50: 'p50 ms',
              p95: 'p95 ms',
            }),
            ...CPU_COLUMNS,
          ],
        };
        return {
          id,
          title: `Bulk enqueue, no-op processing at concurrency ${concurrency} (all queued first), idle enqueue-to-start`,
          settings: {
            jobs,
            latencySamples: samples,
            concurrency,
            insertBatch: 1000,
            order:
              'bench/src/bullmq.ts alternates raw, prioritized raw, adapter, yard and lean yard, rotated per round; their idle latency samples are taken in turns, one of each at a time',
          },
          metrics: spec.columns.map((column) => column.metric),
          ...(options.quick ? { rounds: 1 } : {}),
          contenders: contenders.map(({ name, role, settings }) => ({
            name,
            role,
            ...(settings ? { settings } : {}),
          })),
          runTogether: runScriptTogether(spec, contenders),
        };
      });
      const backlog = backlogScenarios(
        {
          script: 'redis-backlog.ts',
          env: { BENCH_BACKEND: 'bullmq' },
          raw: { name: 'bullmq', only: 'bullmq', system: 'raw BullMQ' },
          full: FULL_BACKLOGS.bullmq,
        },
        options,
      );
      return [...sideBySide, ...backlog];
    },
  };
}
