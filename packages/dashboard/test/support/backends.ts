/** The backends the browser tests run on, each isolated by a fresh prefix/schema and removed afterwards. */
import { randomUUID } from 'node:crypto';
import type { QueueAdapter } from '@switchyard/core';
import { DATABASE_URL, REDIS_URL, requirePostgres, requireRedis } from '@switchyard/test-services';

/** A backend under test. */
export type BackendName = 'memory' | 'pgboss' | 'bullmq';

/** An opened backend and how to remove what the test left. */
export interface OpenedBackend {
  adapter: QueueAdapter;
  /** Call after the yard closed. */
  dispose(): Promise<void>;
}

/** A short unique namespace for keys and schemas. */
export const newNamespace = (): string => randomUUID().replaceAll('-', '').slice(0, 10);

/** Opens `name`; fails with the variable to set when its server is unreachable. */
export async function openBackend(name: BackendName, namespace = newNamespace()): Promise<OpenedBackend> {
  if (name === 'memory') {
    const { memoryAdapter } = await import('@switchyard/adapter-memory');
    return { adapter: memoryAdapter(), dispose: async () => {} };
  }
  if (name === 'pgboss') {
    await requirePostgres(DATABASE_URL);
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 10 });
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
  await requireRedis(REDIS_URL);
  const { Redis } = await import('ioredis');
  const client = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  await client.connect();
  const { bullmqAdapter } = await import('@switchyard/adapter-bullmq');
  const prefix = `dash-${namespace}`;
  return {
    adapter: bullmqAdapter({ connection: REDIS_URL, prefix }),
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
