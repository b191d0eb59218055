/** The harness's own Redis connection: lists and kills a run's connections, writes backdoor keys. */
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

let admin: Redis | undefined;

/** One shared backdoor connection (never one of the run's: its name says so). */
export function redisAdmin(): Redis {
  admin ??= new Redis(REDIS_URL, { connectionName: 'switchyard-chaos-admin', maxRetriesPerRequest: 3 });
  return admin;
}

export async function closeRedisAdmin(): Promise<void> {
  const client = admin;
  admin = undefined;
  await client?.quit();
}

/** Kills, with CLIENT KILL ID, every connection whose name contains `prefix`; how many. */
export async function killNamedClients(prefix: string): Promise<number> {
  const redis = redisAdmin();
  const list = (await redis.client('LIST')) as string;
  const ids = list
    .split('\n')
    .map((line) => ({
      id: /(?:^| )id=(\d+)/.exec(line)?.[1],
      name: /(?:^| )name=(\S*)/.exec(line)?.[1] ?? '',
    }))
    .filter((client) => client.id !== undefined && client.name.includes(prefix))
    .map((client) => client.id!);
  let killed = 0;
  for (const id of ids) killed += Number(await redis.client('KILL', 'ID', id));
  return killed;
}

/** Deletes every key matching `pattern` (SCAN + UNLINK). */
export async function deleteKeys(pattern: string): Promise<void> {
  const redis = redisAdmin();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}
