/** The backends the browser tests run on, each isolated by a fresh prefix/schema and removed afterwards. */
import { randomUUID } from 'node:crypto';
import type { QueueAdapter } from '@switchyard/core';

/** A backend under test. */
export type BackendName = 'memory' | 'pgboss' | 'bullmq';

/** An opened backend and how to remove what the test left. */
export interface OpenedBackend {
  adapter: QueueAdapter;
  /** Call after the yard closed. */
  dispose(): Promise<void>;
}

const redisUrl = () => process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const databaseUrl = () => process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A short unique namespace for keys and schemas. */
export const newNamespace = (): string => randomUUID().replaceAll('-', '').slice(0, 10);

/** Opens `name`; fails with the variable to set when its server is unreachable. */
export async function openBackend(name: BackendName, namespace = newNamespace()): Promise<OpenedBackend> {
  if (name === 'memory') {
    const { memoryAdapter } = await import('@switchyard/adapter-memory');
    return { adapter: memoryAdapter(), dispose: async () => {} };
  }
  if (name === 'pgboss') {
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: databaseUrl(), max: 10 });
    try {
      await pool.query('SELECT 1');
    } catch (error) {
      await pool.end();
      throw new Error(
        `PostgreSQL is unreachable at DATABASE_URL=${databaseUrl()}: ${(error as Error).message}`,
      );
    }
    const { pgBossAdapter } = await import('@switchyard/adapter-pgboss');
    const schema = `dash_${namespace}`;
    return {
      adapter: pgBossAdapter({ pool, schema, pollIntervalMs: 100 }),
      async dispose() {
        try {
          await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        } finally {
          await pool.end();
        }
      },
    };
  }
  const { Redis } = await import('ioredis');
  const client = new Redis(redisUrl(), {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    throw new Error(`Redis is unreachable at REDIS_URL=${redisUrl()}: ${(error as Error).message}`);
  }
  const { bullmqAdapter } = await import('@switchyard/adapter-bullmq');
  const prefix = `dash-${namespace}`;
  return {
    adapter: bullmqAdapter({ connection: redisUrl(), prefix }),
    async dispose() {
      try {
        let cursor = '0';
        do {
          const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
          if (keys.length > 0) await client.del(...keys);
          cursor = next;
        } while (cursor !== '0');
        await client.quit();
      } finally {
        client.disconnect();
      }
    },
  };
}
