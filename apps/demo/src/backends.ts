/**
 * One function per backend that builds its adapter and order store. Each adapter
 * package (and its client library) is imported lazily, so `QUEUE_BACKEND=memory`
 * needs no server and no other adapter built. A backend that cannot be reached
 * throws `BackendUnavailableError` naming the variable to set.
 */
import type { QueueAdapter } from '@switchyard/core';
import type { BackendName } from './config.ts';
import { createMemoryOrderStore, type OrderStore } from './orders.ts';

/** An opened backend: the adapter, where orders live, and how to clean up after the yard closed. */
export interface Backend {
  name: BackendName;
  adapter: QueueAdapter;
  orders: OrderStore;
  /** Closes connections this module opened and deletes this run's keys, queues and schemas. Call after `yard.close()`. */
  dispose(): Promise<void>;
}

/** The backend cannot be used right now (server down, adapter not built); the message says what to do. */
export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';
}

/** Every queue the shop uses (SQS resolves its queues up front). */
export const SHOP_QUEUES = ['finance', 'default', 'email', 'reports', 'newsletter'];

/** `REDIS_URL`, default the local server. */
export const redisUrl = (): string => process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** `DATABASE_URL`, default the local trust-auth server. */
export const databaseUrl = (): string =>
  process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Opens `name`. `namespace` isolates this run (key prefix, schema, queue prefix) so runs
 * never see each other's jobs or schedules.
 */
export async function openBackend(name: BackendName, namespace: string): Promise<Backend> {
  if (!/^[a-z0-9]{1,16}$/.test(namespace))
    throw new Error(`namespace must be [a-z0-9]{1,16}, got "${namespace}"`);
  switch (name) {
    case 'memory':
      return openMemory();
    case 'bullmq':
      return openBullmq(namespace);
    case 'pgboss':
      return openPgBoss(namespace);
    case 'sqs':
      return openSqs(namespace);
  }
}

/** Imports an adapter package, turning "not built / not installed" into a readable unavailability. */
async function importPackage<T>(specifier: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw new BackendUnavailableError(
      `${specifier} could not be loaded (build it: pnpm --filter ${specifier} build): ${(error as Error).message}`,
      { cause: error },
    );
  }
}

async function openMemory(): Promise<Backend> {
  const { memoryAdapter } = await importPackage(
    '@switchyard/adapter-memory',
    () => import('@switchyard/adapter-memory'),
  );
  return {
    name: 'memory',
    adapter: memoryAdapter(),
    orders: createMemoryOrderStore(),
    dispose: async () => {},
  };
}

/** Checks Redis answers, or throws `BackendUnavailableError` naming REDIS_URL. */
async function assertRedisReachable(purpose: string): Promise<void> {
  const client = await redisClient();
  // The socket error says why ("ECONNREFUSED"); connect() itself only reports "Connection is closed".
  let socketError: Error | undefined;
  client.on('error', (error: Error) => {
    socketError = error;
  });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    const reason = (socketError ?? (error as Error)).message.replace(/\.$/, '');
    throw new BackendUnavailableError(
      `Redis (${purpose}) is unreachable at REDIS_URL=${redisUrl()}: ${reason}. ` +
        'Start it (redis-server --daemonize yes) or set REDIS_URL.',
      { cause: socketError ?? error },
    );
  } finally {
    client.disconnect();
  }
}

/** A not-yet-connected ioredis client for REDIS_URL that fails fast instead of retrying. */
async function redisClient() {
  const { Redis } = await import('ioredis');
  return new Redis(redisUrl(), {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
}

/** Deletes every Redis key matching `pattern` (this run's namespace) on a fresh connection. */
async function purgeRedis(pattern: string): Promise<void> {
  const client = await redisClient();
  try {
    await client.connect();
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      if (keys.length > 0) await client.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    await client.quit();
  } finally {
    client.disconnect();
  }
}

async function openBullmq(namespace: string): Promise<Backend> {
  await assertRedisReachable('BullMQ');
  const { bullmqAdapter } = await importPackage(
    '@switchyard/adapter-bullmq',
    () => import('@switchyard/adapter-bullmq'),
  );
  const prefix = `demo-${namespace}`;
  return {
    name: 'bullmq',
    adapter: bullmqAdapter({ connection: redisUrl(), prefix }),
    orders: createMemoryOrderStore(),
    dispose: () => purgeRedis(`${prefix}*`),
  };
}

async function openPgBoss(namespace: string): Promise<Backend> {
  const { default: pg } = await import('pg');
  const url = databaseUrl();
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 3000 });
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end();
    throw new BackendUnavailableError(
      `PostgreSQL is unreachable at DATABASE_URL=${url}: ${(error as Error).message.replace(/\.$/, '')}. ` +
        'Start it (pg_ctlcluster 15 main start) or set DATABASE_URL.',
      { cause: error },
    );
  }
  try {
    const { pgBossAdapter } = await importPackage(
      '@switchyard/adapter-pgboss',
      () => import('@switchyard/adapter-pgboss'),
    );
    const { createPgOrderStore } = await import('./pg-orders.ts');
    const jobSchema = `demo_${namespace}`;
    const shopSchema = `demo_shop_${namespace}`;
    // One pool for orders and jobs: the order insert and its payment job share a transaction.
    const adapter = pgBossAdapter({ pool, schema: jobSchema, pollIntervalMs: 200 });
    const orders = await createPgOrderStore(pool, shopSchema);
    return {
      name: 'pgboss',
      adapter,
      orders,
      async dispose() {
        try {
          await pool.query(`DROP SCHEMA IF EXISTS ${shopSchema} CASCADE`);
          await pool.query(`DROP SCHEMA IF EXISTS ${jobSchema} CASCADE`);
        } finally {
          await pool.end();
        }
      },
    };
  } catch (error) {
    await pool.end();
    throw error;
  }
}

/** The SQS endpoint: `SQS_ENDPOINT`, else a fauxqs emulator started in this process. */
async function sqsEndpoint(): Promise<{ url: string; stop(): Promise<void> }> {
  if (process.env.SQS_ENDPOINT) return { url: process.env.SQS_ENDPOINT, stop: async () => {} };
  const { startFauxqs } = await import('fauxqs');
  const server = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false });
  return { url: server.address, stop: () => server.stop() };
}

async function openSqs(namespace: string): Promise<Backend> {
  await assertRedisReachable('the SQS job-state store');
  const endpoint = await sqsEndpoint();
  const { SQSClient, ListQueuesCommand, DeleteQueueCommand } = await import('@aws-sdk/client-sqs');
  const client = new SQSClient({
    endpoint: endpoint.url,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const release = async () => {
    client.destroy();
    await endpoint.stop();
  };
  try {
    await client.send(new ListQueuesCommand({ MaxResults: 1 })).catch((error: Error) => {
      throw new BackendUnavailableError(
        `SQS is unreachable at SQS_ENDPOINT=${endpoint.url}: ${error.message}. Unset SQS_ENDPOINT to use the built-in emulator.`,
        { cause: error },
      );
    });
    const { sqsAdapter, redisStore } = await importPackage(
      '@switchyard/adapter-sqs',
      () => import('@switchyard/adapter-sqs'),
    );
    const queuePrefix = `demo-${namespace}`;
    const keyPrefix = `{demo-sqs-${namespace}}`;
    const adapter = sqsAdapter({
      client,
      store: redisStore({ url: redisUrl(), keyPrefix }),
      queuePrefix,
      queues: SHOP_QUEUES,
      waitTimeSeconds: 1,
      pausedRecheckMs: 200,
    });
    return {
      name: 'sqs',
      adapter,
      orders: createMemoryOrderStore(),
      async dispose() {
        try {
          const { QueueUrls = [] } = await client.send(
            new ListQueuesCommand({ QueueNamePrefix: queuePrefix }),
          );
          for (const QueueUrl of QueueUrls) await client.send(new DeleteQueueCommand({ QueueUrl }));
          await purgeRedis(`${keyPrefix}*`);
        } finally {
          await release();
        }
      },
    };
  } catch (error) {
    await release();
    throw error;
  }
}
