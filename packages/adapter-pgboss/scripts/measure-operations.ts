/**
 * Measures the operations figures on 100,000 stored jobs: the first page of `jobs.list` with
 * filters, and `yard.stats.summary()`, p50 (and p90) over 20 runs each. Optionally (`--gin`)
 * the cost of GIN indexes on payload and metadata for bulk enqueue, as alternating rounds on
 * two fresh schemas; or (`--events`) how long a published message takes to reach a subscriber.
 *
 *   pnpm --filter @switchyard/core --filter @switchyard/adapter-pgboss build
 *   node packages/adapter-pgboss/scripts/measure-operations.ts [--gin | --events]
 *
 * Uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) and a schema of its
 * own, dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import { pgBossAdapter } from '@switchyard/adapter-pgboss';
import {
  createSwitchyard,
  LIST_SCAN_LIMIT,
  type ListJobsQuery,
  type NewJob,
  newJobId,
  normalizeListQuery,
  type QueueAdapterV2,
  silentLogger,
  systemClock,
} from '@switchyard/core';
import pg from 'pg';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const JOBS = 100_000;
const RUNS = 20;

function job(n: number, now: number): NewJob {
  const metadata: Record<string, string> = { tenant: `t${n % 10}` };
  if (n % 1000 === 0) metadata.rare = 'yes';
  return {
    id: newJobId(now),
    task: `task${n % 5}`,
    queue: ['emails', 'reports', 'billing'][n % 3]!,
    payload: { n, kind: ['a', 'b', 'c', 'd'][n % 4], user: { id: n % 1000 }, note: 'x'.repeat(40) },
    priority: 5,
    createdAt: new Date(now),
    runAt: new Date(n % 33 === 0 ? now + 3_600_000 : now),
    maxAttempts: 3,
    metadata,
  };
}

async function started(schema: string): Promise<QueueAdapterV2> {
  const adapter = pgBossAdapter({ connectionString: DATABASE_URL, schema });
  await adapter.start({
    logger: silentLogger,
    clock: systemClock,
    retention: {},
    historyRetentionMs: 7 * 86_400_000,
  });
  return adapter;
}

function percentile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function timed(fn: () => Promise<unknown>): Promise<{ p50: number; p90: number }> {
  await fn(); // warm: plans, connections
  const samples: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return { p50: percentile(samples, 0.5), p90: percentile(samples, 0.9) };
}

async function fill(adapter: QueueAdapterV2, raw: pg.Pool, schema: string): Promise<void> {
  for (let batch = 0; batch < JOBS / 1000; batch++) {
    const now = Date.now();
    await adapter.enqueue(Array.from({ length: 1000 }, (_, k) => job(batch * 1000 + k, now)));
  }
  const update = (state: string, where: string, count: number) =>
    raw.query(
      `UPDATE ${schema}.job SET state = '${state}', completed_on = CASE WHEN '${state}' IN ('completed', 'failed', 'cancelled') THEN now() END,
              start_after = CASE WHEN '${state}' = 'retry' THEN now() + interval '1 hour' ELSE start_after END,
              sy_lease_expires_at = CASE WHEN '${state}' = 'active' THEN now() + interval '1 hour' END
        WHERE id IN (SELECT id FROM ${schema}.job WHERE ${where} ORDER BY id LIMIT ${count})`,
    );
  await update('completed', `state = 'created'`, 60_000);
  await update('failed', `state = 'completed' AND (data->>'n')::int % 12 = 0`, 5_000);
  await update('cancelled', `state = 'completed' AND (data->>'n')::int % 7 = 0`, 1_000);
  await update('active', `state = 'created' AND start_after <= now()`, 40);
  await update('retry', `state = 'created' AND start_after <= now()`, 300);
  await raw.query(`VACUUM ANALYZE ${schema}.job_common`);
}

async function measureFigures(): Promise<void> {
  const schema = `symeasure_${randomBytes(4).toString('hex')}`;
  const raw = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  const adapter = await started(schema);
  try {
    const fillStart = performance.now();
    await fill(adapter, raw, schema);
    console.log(`filled ${JOBS} jobs in ${Math.round(performance.now() - fillStart)} ms (schema ${schema})`);
    const counts = await adapter.jobs.counts();
    console.log('counts', JSON.stringify(counts));

    const shapes: Array<[string, ListJobsQuery]> = [
      ['state failed + metadata tenant', { state: 'failed', metadata: { tenant: 't4' } }],
      ['state completed + metadata rare', { state: 'completed', metadata: { rare: 'yes' } }],
      ['metadata rare (no state)', { metadata: { rare: 'yes' } }],
      ['payload kind (common)', { payload: { kind: 'b' } }],
      ['payload user object (1 in 1000)', { payload: { user: { id: 7 } } }],
      ['queue + payload', { queue: 'reports', payload: { kind: 'c' } }],
      ['state pending + task', { state: 'pending', task: 'task2' }],
      ['state running', { state: 'running' }],
      ['no filter', {}],
    ];
    for (const [name, input] of shapes) {
      const query = { ...normalizeListQuery({ ...input, limit: 50 }), scanLimit: LIST_SCAN_LIMIT };
      let found = 0;
      let cursor = false;
      const figure = await timed(async () => {
        const page = await adapter.jobs.list(query);
        found = page.jobs.length;
        cursor = page.nextCursor !== undefined;
      });
      console.log(
        `jobs.list first page, ${name}: p50 ${figure.p50.toFixed(1)} ms, p90 ${figure.p90.toFixed(1)} ms (${found} jobs${cursor ? ', cursor' : ''})`,
      );
    }

    const yard = createSwitchyard({ adapter });
    await yard.start();
    const now = Date.now();
    for (let w = 0; w < 4; w++)
      await adapter.workers.put(`w${w}`, JSON.stringify({ id: `w${w}` }), new Date(now + 60_000));
    const summary = await timed(() => yard.stats.summary());
    console.log(`stats.summary(): p50 ${summary.p50.toFixed(1)} ms, p90 ${summary.p90.toFixed(1)} ms`);
    const queues = await timed(() => adapter.stats.queues());
    console.log(
      `  of which stats.queues(): p50 ${queues.p50.toFixed(1)} ms, p90 ${queues.p90.toFixed(1)} ms`,
    );
    await yard.close();
  } finally {
    await adapter.close().catch(() => undefined);
    await raw.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await raw.end();
  }
}

/** Bulk enqueue with and without GIN indexes on payload and metadata, alternating rounds. */
async function measureGin(): Promise<void> {
  const raw = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  const plain = `symeasure_${randomBytes(4).toString('hex')}`;
  const gin = `symeasure_${randomBytes(4).toString('hex')}`;
  const adapters = { plain: await started(plain), gin: await started(gin) };
  await raw.query(`CREATE INDEX ON ${gin}.job_common USING gin (data jsonb_path_ops)`);
  await raw.query(`CREATE INDEX ON ${gin}.job_common USING gin (sy_metadata jsonb_path_ops)`);
  const times: Record<'plain' | 'gin', number[]> = { plain: [], gin: [] };
  try {
    for (let round = 0; round < 30; round++) {
      for (const kind of round % 2 ? (['gin', 'plain'] as const) : (['plain', 'gin'] as const)) {
        const now = Date.now();
        const batch = Array.from({ length: 1000 }, (_, k) => job(round * 1000 + k, now));
        const start = performance.now();
        await adapters[kind].enqueue(batch);
        times[kind].push(performance.now() - start);
      }
    }
    for (const kind of ['plain', 'gin'] as const) {
      const p50 = percentile(times[kind].slice(5), 0.5);
      console.log(
        `enqueue 1,000 jobs (${kind}): p50 ${p50.toFixed(1)} ms → ${Math.round(1000 / (p50 / 1000))} jobs/s`,
      );
    }
  } finally {
    for (const adapter of Object.values(adapters)) await adapter.close();
    await raw.query(`DROP SCHEMA IF EXISTS ${plain} CASCADE`);
    await raw.query(`DROP SCHEMA IF EXISTS ${gin} CASCADE`);
    await raw.end();
  }
}

/** NOTIFY latency between two adapters (two pools, two LISTEN connections) in this process. */
async function measureEvents(): Promise<void> {
  const schema = `symeasure_${randomBytes(4).toString('hex')}`;
  const publisher = await started(schema);
  const subscriber = await started(schema);
  const latencies: number[] = [];
  let received: (() => void) | undefined;
  const subscription = await subscriber.events.subscribe({
    message: (message) => {
      latencies.push(performance.now() - Number(message));
      received?.();
    },
    gap: () => undefined,
  });
  try {
    for (let n = 0; n < 200; n++) {
      const arrived = new Promise<void>((resolve) => {
        received = resolve;
      });
      await publisher.events.publish(String(performance.now()));
      await arrived;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    console.log(
      `publish → subscriber: p50 ${percentile(latencies, 0.5).toFixed(2)} ms, p95 ${percentile(latencies, 0.95).toFixed(2)} ms`,
    );
  } finally {
    await subscription.close();
    await publisher.close();
    await subscriber.close();
    const raw = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
    await raw.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await raw.end();
  }
}

if (process.argv.includes('--gin')) await measureGin();
else if (process.argv.includes('--events')) await measureEvents();
else await measureFigures();
