/** Key walks shared by the Redis-backed scripts. */
import { Redis } from 'ioredis';

/** Calls `onKeys` with each page of keys matching `pattern` (SCAN, so a big prefix never blocks Redis). */
export async function forEachKeyPage(
  redisUrl: string,
  pattern: string,
  onKeys: (redis: Redis, keys: string[]) => Promise<void>,
): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await onKeys(redis, keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Deletes every key matching `pattern`. */
export async function deleteKeys(redisUrl: string, pattern: string): Promise<void> {
  await forEachKeyPage(redisUrl, pattern, async (redis, keys) => {
    await redis.del(...keys);
  });
}
