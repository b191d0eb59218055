/**
 * The real services the CLI tests run against: Redis, PostgreSQL and the fauxqs SQS
 * emulator (started in this process; the `switchyard` children inherit SQS_ENDPOINT).
 * An unreachable service fails the run with a message saying how to start it.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { DeleteQueueCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DATABASE_URL, REDIS_URL, requirePostgres, requireRedis } from '@switchyard/test-services';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { BackendName } from './fixtures/yard.js';

/** A fresh isolation prefix: lowercase letters and digits (a valid schema and queue name). */
export function newPrefix(): string {
  return `cli${randomBytes(4).toString('hex')}`;
}

/** Fails with instructions when the services `backend` needs are down; starts fauxqs for SQS. */
export async function requireServices(backend: BackendName): Promise<void> {
  if (backend === 'bullmq' || backend === 'sqs') await requireRedis(REDIS_URL);
  if (backend === 'pgboss') await requirePostgres(DATABASE_URL);
  if (backend === 'sqs') await sqsEndpoint();
}

let endpoint: Promise<string> | undefined;

/** SQS_ENDPOINT, or a fauxqs started here (and exported to child processes). */
export function sqsEndpoint(): Promise<string> {
  endpoint ??= (async () => {
    if (process.env.SQS_ENDPOINT) return process.env.SQS_ENDPOINT;
    const { startFauxqs } = await import('fauxqs');
    const server = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false });
    process.env.SQS_ENDPOINT = server.address;
    return server.address;
  })();
  return endpoint;
}

/** Deletes what a test stored under `prefix` on `backend`. */
export async function dropPrefix(backend: BackendName, prefix: string): Promise<void> {
  if (backend === 'bullmq') await deleteRedisKeys(`${prefix}:*`);
  if (backend === 'sqs') {
    await deleteRedisKeys(`{cli-test:${prefix}}*`);
    const client = new SQSClient({
      endpoint: await sqsEndpoint(),
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const listed = await client.send(new ListQueuesCommand({ QueueNamePrefix: `${prefix}-` }));
    await Promise.all(
      (listed.QueueUrls ?? []).map((url) => client.send(new DeleteQueueCommand({ QueueUrl: url }))),
    );
    client.destroy();
  }
  if (backend === 'pgboss') {
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    try {
      await client.query(`DROP SCHEMA IF EXISTS ${prefix} CASCADE`);
    } finally {
      await client.end();
    }
  }
}

async function deleteRedisKeys(pattern: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** A port on loopback where nothing listens. */
export async function closedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
