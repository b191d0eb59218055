/**
 * The storage section (issue 22): what one queued job costs the backend, beside the raw library
 * storing the same no-op job. Redis: `MEMORY USAGE` summed over the run's keys (SCAN of its
 * prefix), after minus before, per job. PostgreSQL: `pg_total_relation_size` (tables, indexes,
 * TOAST) summed over the run's schema, after minus before, per row. Each run works in a prefix
 * or schema of its own and drops it afterwards.
 */
import { randomBytes } from 'node:crypto';
import { createSwitchyard, defineTask, newJobId } from '@switchyard/core';
import { DATABASE_URL, REDIS_URL } from '@switchyard/test-services';
import { Queue } from 'bullmq';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { dropSchema, freshBackend } from '../operations/backends.ts';
import { deleteKeys, forEachKeyPage } from '../redis-keys.ts';
import type { BenchOptions, Scenario, Section } from '../section.ts';

const task = defineTask({ name: 'bench-storage', queue: 'storage', retry: { attempts: 1 } });
const BATCH = 1_000;

/** Bytes Redis reports for every key matching `pattern`. */
async function redisBytes(pattern: string): Promise<number> {
  let total = 0;
  await forEachKeyPage(REDIS_URL, pattern, async (redis, keys) => {
    const sizes = await Promise.all(keys.map((key) => redis.memory('USAGE', key, 'SAMPLES', 0)));
    for (const size of sizes) total += Number(size ?? 0);
  });
  return total;
}

/** Bytes of every table of `schema`, with its indexes and TOAST. */
async function schemaBytes(schema: string): Promise<number> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ bytes: string | null }>(
      `SELECT sum(pg_total_relation_size(c.oid)) AS bytes FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind = 'r'`,
      [schema],
    );
    return Number(rows[0]?.bytes ?? 0);
  } finally {
    await client.end();
  }
}

/** Enqueues `jobs` no-op jobs through `add` in batches and returns the bytes per job `measure` saw added. */
async function perJob(
  jobs: number,
  measure: () => Promise<number>,
  add: (count: number) => Promise<unknown>,
) {
  const before = await measure();
  for (let done = 0; done < jobs; done += BATCH) await add(Math.min(BATCH, jobs - done));
  return { bytesPerJob: ((await measure()) - before) / jobs };
}

async function switchyardOn(kind: 'bullmq' | 'pgboss', jobs: number) {
  const backend = await freshBackend(kind);
  const yard = createSwitchyard({ adapter: backend.adapter(), tasks: [task], publishEvents: false });
  const { id } = JSON.parse(backend.spec) as { id: string };
  try {
    await yard.start();
    const measure = kind === 'bullmq' ? () => redisBytes(`{bops${id}}*`) : () => schemaBytes(`bops_${id}`);
    return await perJob(jobs, measure, (count) =>
      yard.enqueueMany(
        task,
        Array.from({ length: count }, () => ({})),
      ),
    );
  } finally {
    await yard.close();
    await backend.drop();
  }
}

async function rawBullmq(jobs: number) {
  const prefix = `{bstore${randomBytes(4).toString('hex')}}`;
  const queue = new Queue('storage', { connection: { url: REDIS_URL, maxRetriesPerRequest: null }, prefix });
  try {
    await queue.waitUntilReady();
    // Prioritized, as every Switchyard job is (its default priority included).
    return await perJob(
      jobs,
      () => redisBytes(`${prefix}*`),
      (count) =>
        queue.addBulk(
          Array.from({ length: count }, () => ({
            name: 'noop',
            data: {},
            opts: { priority: 5, jobId: newJobId() },
          })),
        ),
    );
  } finally {
    await queue.close();
    await deleteKeys(REDIS_URL, `${prefix}*`);
  }
}

async function rawPgBoss(jobs: number) {
  const schema = `bstore_${randomBytes(4).toString('hex')}`;
  const boss = new PgBoss({ connectionString: DATABASE_URL, schema, supervise: false, schedule: false });
  boss.on('error', (error) => console.error('pg-boss error', error));
  try {
    await boss.start();
    await boss.createQueue('storage');
    return await perJob(
      jobs,
      () => schemaBytes(schema),
      (count) =>
        boss.insert(
          'storage',
          Array.from({ length: count }, () => ({ data: {} })),
        ),
    );
  } finally {
    await boss.stop({ graceful: false }).catch(() => undefined);
    await dropSchema(schema);
  }
}

function storageScenario(kind: 'bullmq' | 'pgboss', jobs: number): Scenario {
  const peer = kind === 'bullmq' ? 'bullmq' : 'pg-boss';
  return {
    id: `storage-${kind}`,
    title: `${kind}: bytes per queued no-op job (${jobs.toLocaleString('en')} queued; ${kind === 'bullmq' ? 'MEMORY USAGE of every key' : 'tables, indexes and TOAST of the schema'})`,
    settings: { jobs, batch: BATCH },
    metrics: [{ key: 'bytesPerJob', label: 'bytes/job', better: 'lower' }],
    rounds: 1,
    contenders: [
      { name: 'switchyard', role: 'switchyard', run: () => switchyardOn(kind, jobs) },
      { name: peer, role: 'peer', run: () => (kind === 'bullmq' ? rawBullmq(jobs) : rawPgBoss(jobs)) },
    ],
  };
}

/** The storage section. */
export function storageSection(): Section {
  return {
    name: 'storage',
    peers: ['bullmq', 'pg-boss'],
    availability: async () => undefined,
    scenarios: async (options: BenchOptions) => {
      const jobs = options.quick ? 5_000 : 20_000;
      return [storageScenario('bullmq', jobs), storageScenario('pgboss', jobs)];
    },
  };
}
