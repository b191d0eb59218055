/** Cleanup shared by the Redis-backed scripts. */
import { Redis } from 'ioredis';

/** Deletes every key matching `pattern` (SCAN + DEL, so a big prefix never blocks Redis). */
export async function deleteKeys(redisUrl: string, pattern: string): Promise<void> {
  const redis = new Redis(redisUrl);
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
