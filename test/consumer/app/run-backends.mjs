/**
 * Runs one small program on the memory adapter, BullMQ (Redis) and pg-boss (PostgreSQL), importing
 * the installed tarballs exactly as an npm user would. Each durable backend gets its own key prefix /
 * schema, removed afterwards. Exits non-zero on the first broken promise.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { bullmqAdapter } from '@switchyard/adapter-bullmq';
import { memoryAdapter } from '@switchyard/adapter-memory';
import { pgBossAdapter } from '@switchyard/adapter-pgboss';
import {
  createSwitchyard,
  defineTask,
  NonRetryableError,
  SwitchyardError,
  ValidationError,
} from '@switchyard/core';
import { Redis } from 'ioredis';
import pg from 'pg';
import { z } from 'zod';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const unique = `syconsumer${randomBytes(5).toString('hex')}`;

const addNumbers = defineTask({
  name: 'add-numbers',
  queue: 'math',
  schema: z.object({ a: z.number(), b: z.number() }),
  handler: async ({ a, b }, ctx) => {
    await ctx.progress({ half: true });
    return { sum: a + b };
  },
});
const refuse = defineTask({
  name: 'refuse',
  queue: 'math',
  schema: z.object({ reason: z.string() }),
  retry: { attempts: 3, backoff: { type: 'fixed', delay: '10ms' } },
  handler: async ({ reason }) => {
    throw new NonRetryableError(reason);
  },
});

/** Enqueues, runs and inspects jobs through the public API; the same assertions on every backend. */
async function exercise(label, adapter) {
  const started = Date.now();
  const yard = createSwitchyard({ adapter, tasks: [addNumbers, refuse] });
  await yard.start();
  const worker = yard.createWorker({ queues: ['math'], concurrency: 4 });
  await worker.start();
  try {
    const enqueued = await yard.enqueueMany(
      addNumbers,
      [1, 2, 3].map((a) => ({ a, b: 10 })),
    );
    for (const [index, { id }] of enqueued.entries()) {
      const job = await yard.jobs.waitFor(id, { timeout: '20s' });
      assert.equal(job.state, 'completed', `${label}: job ${id} ended ${job.state}`);
      assert.deepEqual(job.result, { sum: index + 1 + 10 });
      assert.equal(job.attempt, 1);
    }

    const { id: refusedId } = await yard.enqueue(refuse, { reason: 'template deleted' });
    const refused = await yard.jobs.waitFor(refusedId, { timeout: '20s' });
    assert.equal(refused.state, 'failed');
    assert.equal(refused.attempt, 1, 'a NonRetryableError is not retried');
    assert.match(refused.error?.message ?? '', /template deleted/);

    await assert.rejects(yard.enqueue(addNumbers, { a: 'one', b: 2 }), (error) => {
      assert.ok(error instanceof ValidationError && error instanceof SwitchyardError);
      assert.equal(error.code, 'VALIDATION_FAILED');
      return true;
    });
    const counts = await yard.jobs.counts({ queue: 'math' });
    assert.equal(counts.completed, 3);
    assert.equal(counts.failed, 1);
  } finally {
    await yard.close();
  }
  console.log(
    `consumer: ${label}: 3 jobs completed, 1 failed without retry, bad payload refused (${Date.now() - started} ms)`,
  );
}

async function removeRedisKeys(prefix) {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

async function dropSchema(schema) {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

await exercise('memory', memoryAdapter());
try {
  await exercise('bullmq', bullmqAdapter({ connection: REDIS_URL, prefix: unique }));
} finally {
  await removeRedisKeys(unique);
}
try {
  await exercise('pg-boss', pgBossAdapter({ connectionString: DATABASE_URL, schema: unique }));
} finally {
  await dropSchema(unique);
}
