/**
 * Measures the operations figures of issue 11 on this adapter (not a test, not the bench):
 * with 100,000 jobs stored, the p50 of 20 calls of the first filtered page of `jobs.list`
 * (limit 50) and of `yard.stats.summary()`.
 *
 *   pnpm --filter @switchyard/core --filter @switchyard/adapter-bullmq build
 *   node packages/adapter-bullmq/test/figures/ops-figures.ts [--interleaved] [--mixed]
 *
 * By default every job is pending and tenants change every 1,000 jobs (as the bench enqueues
 * them); `--interleaved` gives job n the tenant n % 10. `--mixed` first runs 70% of the jobs
 * through a worker (30% completed, 20% failed, 10% cancelled, 10% retrying), so the counts'
 * marker intersections have work. Uses a fresh prefix and deletes it afterwards.
 */
import { randomBytes } from 'node:crypto';
import { bullmqAdapter } from '@switchyard/adapter-bullmq';
import { createSwitchyard, defineTask, type ListJobsQuery } from '@switchyard/core';
import { REDIS_URL } from '@switchyard/test-services';
import { Redis } from 'ioredis';

const BACKLOG = Number(process.env.BACKLOG ?? 100_000);
const SAMPLES = 20;
const interleaved = process.argv.includes('--interleaved');
const mixed = process.argv.includes('--mixed');

type Outcome = 'complete' | 'fail' | 'cancel' | 'retry' | 'keep';

/** With --mixed, what job n ends as. */
function outcome(n: number): Outcome {
  if (!mixed) return 'keep';
  const slot = n % 10;
  if (slot <= 2) return 'complete';
  if (slot <= 4) return 'fail';
  if (slot === 5) return 'cancel';
  if (slot === 6) return 'retry';
  return 'keep';
}

const noop = defineTask({ name: 'ops-noop', queue: 'ops', handler: () => undefined });

async function p50(fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const begin = performance.now();
    await fn();
    times.push(performance.now() - begin);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

const prefix = `syfig${randomBytes(3).toString('hex')}`;
const yard = createSwitchyard({
  adapter: bullmqAdapter({ connection: REDIS_URL, prefix }),
  tasks: [noop],
  publishEvents: false,
});

/** Enqueues the jobs n of [0, BACKLOG) that `keep` accepts, one tenant per call. */
async function enqueue(keep: (n: number) => boolean): Promise<void> {
  const byTenant = new Map<string, Array<{ n: number; tenant: string }>>();
  const flush = async () => {
    for (const [tenant, payloads] of byTenant) {
      await yard.enqueueMany(noop, payloads, { metadata: { tenant } });
    }
    byTenant.clear();
  };
  for (let n = 0; n < BACKLOG; n++) {
    if (keep(n)) {
      const tenant = interleaved ? `t${n % 10}` : `t${Math.floor(n / 1000) % 10}`;
      let batch = byTenant.get(tenant);
      if (!batch) {
        batch = [];
        byTenant.set(tenant, batch);
      }
      batch.push({ n, tenant });
    }
    if (n % 1000 === 999) await flush();
  }
  await flush();
}

/** Runs the jobs that do not stay pending through a worker (adapter level: no retries by core). */
async function settleMixed(): Promise<void> {
  let target = 0;
  for (let n = 0; n < BACKLOG; n++) if (outcome(n) !== 'keep') target++;
  let settled = 0;
  const error = { name: 'Error', message: 'boom' };
  const consumer = yard.adapter.consume(
    ['ops'],
    { concurrency: 100, leaseDurationMs: 60_000 },
    async (lease) => {
      const action = outcome((lease.job.payload as { n: number }).n);
      if (action === 'complete') await lease.complete(null);
      else if (action === 'fail') await lease.fail(error);
      else if (action === 'cancel') await lease.cancelled();
      else await lease.retry(new Date(Date.now() + 3_600_000), error);
      settled++;
    },
  );
  while (settled < target) await new Promise((resolve) => setTimeout(resolve, 100));
  await consumer.stop();
}

await yard.start();
try {
  const started = performance.now();
  if (mixed) {
    await enqueue((n) => outcome(n) !== 'keep');
    await settleMixed();
    await enqueue((n) => outcome(n) === 'keep');
  } else {
    await enqueue(() => true);
  }
  console.log(`stored ${BACKLOG} jobs in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  console.log('counts', JSON.stringify(await yard.jobs.counts()));
  const filters: Record<string, ListJobsQuery> = {
    'state + metadata': { state: 'pending', metadata: { tenant: 't3' } },
    payload: { payload: { tenant: 't3' } },
    queue: { queue: 'ops' },
    'state failed + metadata': { state: 'failed', metadata: { tenant: 't3' } },
    'state cancelled': { state: 'cancelled' },
  };
  for (const [name, filter] of Object.entries(filters)) {
    const page = await yard.jobs.list({ ...filter, limit: 50 });
    const ms = await p50(() => yard.jobs.list({ ...filter, limit: 50 }));
    console.log(
      `jobs.list ${name}: p50 ${ms.toFixed(2)} ms (first page: ${page.jobs.length} jobs, cursor ${page.nextCursor ? 'yes' : 'no'})`,
    );
  }
  console.log(`stats.summary: p50 ${(await p50(() => yard.stats.summary())).toFixed(2)} ms`);
} finally {
  await yard.close();
  const raw = new Redis(REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await raw.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 5000);
    cursor = next;
    if (keys.length > 0) await raw.unlink(...keys);
  } while (cursor !== '0');
  raw.disconnect();
}
