/**
 * Fails the run (never skips) when Redis is unreachable, naming REDIS_URL and how to start it.
 */
import { Redis } from 'ioredis';

/** The Redis the tests use. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Resolves when Redis answers PING; otherwise throws an error saying how to fix it. */
export async function requireRedis(): Promise<void> {
  const client = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw new Error(
      `Redis is not reachable at REDIS_URL=${REDIS_URL} (${(error as Error).message}). ` +
        'Start one with `redis-server --daemonize yes` (or `docker run -d -p 6379:6379 redis:7`), ' +
        'or point REDIS_URL at a running server.',
    );
  } finally {
    client.disconnect();
  }
}
