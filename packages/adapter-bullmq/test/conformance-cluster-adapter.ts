/**
 * The BullMQ adapter's conformance module on a real Redis Cluster: the test file starts a
 * 3-master cluster on loopback and names its nodes in SY_REDIS_CLUSTER_NODES (child processes of
 * the suite inherit it). Every adapter gets a hash-tagged prefix, `{<test prefix>}`, so all of a
 * test's keys live in one slot; the backdoors read and write through a raw cluster client.
 */
import { bullmqAdapter } from '@switchyard/adapter-bullmq';
import type { ConformanceAdapterModule } from '@switchyard/conformance';
import type { JobState } from '@switchyard/core';
import { Cluster } from 'ioredis';

function nodes(): Array<{ host: string; port: number }> {
  const value = process.env.SY_REDIS_CLUSTER_NODES;
  if (!value)
    throw new Error(
      'SY_REDIS_CLUSTER_NODES is not set: start the cluster first (conformance-cluster.test.ts)',
    );
  return JSON.parse(value);
}

/** The cluster every adapter is made from (never connected itself: adapters duplicate it). */
let base: Cluster | undefined;
/** The backdoors' own connection. */
let raw: Cluster | undefined;

function rawClient(): Cluster {
  raw ??= new Cluster(nodes(), { redisOptions: { maxRetriesPerRequest: 3 } });
  return raw;
}

/** `{prefix}`: a hash tag, so every key of the test lands in one slot. */
function tagged(prefix: string): string {
  return `{${prefix}}`;
}

async function queueOf(prefix: string, jobId: string): Promise<string | null> {
  const redis = rawClient();
  for (const queue of await redis.smembers(`${tagged(prefix)}::sy:queues`)) {
    if ((await redis.exists(`${tagged(prefix)}:${queue}:${jobId}`)) === 1) return queue;
  }
  return null;
}

const mod: ConformanceAdapterModule = {
  createAdapter({ prefix }) {
    base ??= new Cluster(nodes(), { lazyConnect: true });
    return bullmqAdapter({ connection: base, prefix: tagged(prefix) });
  },

  async corruptJob({ prefix }, jobId) {
    const queue = await queueOf(prefix, jobId);
    if (!queue) throw new Error(`corruptJob: job ${jobId} is not stored under prefix ${tagged(prefix)}`);
    await rawClient().hset(`${tagged(prefix)}:${queue}:${jobId}`, 'data', '{"v":1,"payload": ');
  },

  async readRawState({ prefix }, jobId): Promise<JobState | null> {
    const queue = await queueOf(prefix, jobId);
    if (!queue) return null;
    const redis = rawClient();
    const base = `${tagged(prefix)}:${queue}:`;
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
    // The keys share one slot, so one master holds them all: scan each master.
    for (const node of rawClient().nodes('master')) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', `${tagged(prefix)}:*`, 'COUNT', 1000);
        cursor = next;
        for (const key of keys) await rawClient().del(key);
      } while (cursor !== '0');
    }
  },
};

export default mod;
