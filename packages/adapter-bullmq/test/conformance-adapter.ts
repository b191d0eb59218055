/**
 * The BullMQ adapter's module for the shared conformance suite. Every adapter for a
 * prefix shares one Redis (BullMQ key prefix = the test's prefix). The backdoors read
 * and write BullMQ's keys with a raw ioredis client, never through the adapter.
 */
import { bullmqAdapter } from '@switchyard/adapter-bullmq';
import type { ConformanceAdapterModule } from '@switchyard/conformance';
import type { JobState } from '@switchyard/core';
import { REDIS_URL } from '@switchyard/test-services';
import { Redis } from 'ioredis';

let raw: Redis | undefined;
function rawClient(): Redis {
  raw ??= new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  return raw;
}

/** The queue whose key space holds the job (raw probe of the adapter's queue index). */
async function queueOf(prefix: string, jobId: string): Promise<string | null> {
  const redis = rawClient();
  for (const queue of await redis.smembers(`${prefix}::sy:queues`)) {
    if ((await redis.exists(`${prefix}:${queue}:${jobId}`)) === 1) return queue;
  }
  return null;
}

const mod: ConformanceAdapterModule = {
  createAdapter: ({ prefix }) => bullmqAdapter({ connection: REDIS_URL, prefix }),
  // Measured on local Redis: a due delayed job starts ≤ 93 ms late, a retry ≤ 27 ms, a freed slot
  // ≤ 26 ms (max over 3 runs of the timing groups); 300 ms leaves room for a loaded CI machine.
  deliveryLatencyMs: 300,
  // The other kinds (priority, metadata, attempt) are the adapter owner's to add.
  corruptionKinds: ['payload'],

  async createAdapterThrough({ prefix }, route) {
    const url = new URL(REDIS_URL);
    const { host, port } = await route({ host: url.hostname, port: Number(url.port || 6379) });
    url.hostname = host;
    url.port = String(port);
    return bullmqAdapter({ connection: url.href, prefix });
  },

  async corruptJob({ prefix }, jobId) {
    const queue = await queueOf(prefix, jobId);
    if (!queue) throw new Error(`corruptJob: job ${jobId} is not stored under prefix ${prefix}`);
    // Truncated JSON in BullMQ's `data` field is what a corrupt job looks like.
    await rawClient().hset(`${prefix}:${queue}:${jobId}`, 'data', '{"v":1,"payload": ');
  },

  async readRawState({ prefix }, jobId): Promise<JobState | null> {
    const queue = await queueOf(prefix, jobId);
    if (!queue) return null;
    const redis = rawClient();
    const base = `${prefix}:${queue}:`;
    const [started, marker] = await redis.hmget(`${base}${jobId}`, 'ats', 'syState');
    if ((await redis.zscore(`${base}completed`, jobId)) !== null) return 'completed';
    if ((await redis.zscore(`${base}failed`, jobId)) !== null)
      return marker === 'cancelled' ? 'cancelled' : 'failed';
    if ((await redis.zscore(`${base}delayed`, jobId)) !== null)
      return Number(started ?? 0) > 0 ? 'retrying' : 'scheduled';
    if ((await redis.zscore(`${base}prioritized`, jobId)) !== null) return 'pending';
    if ((await redis.lpos(`${base}active`, jobId)) !== null) return 'running';
    if ((await redis.lpos(`${base}wait`, jobId)) !== null) return 'pending';
    return null;
  },

  async cleanup({ prefix }) {
    const redis = rawClient();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  },
};

export default mod;
