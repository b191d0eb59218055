/**
 * Fails the run (never skips) when Redis is unreachable, naming REDIS_URL and how to start it.
 */
import { REDIS_URL, requireRedis as requireRedisAt } from '@switchyard/test-services';

/** The Redis the tests use. */
export { REDIS_URL };

/**
 * Resolves when Redis answers PING; otherwise throws an error saying how to fix it.
 * No parameter: `beforeAll(requireRedis)` passes the suite as the first argument.
 */
export const requireRedis = (): Promise<void> => requireRedisAt();
