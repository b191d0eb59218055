/** The throwaway Redis starter used by the adapters' tests: servers start, answer, and leave nothing behind. */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { redisCli, startRedisCluster, startRedisServer } from '../redis-cluster.mjs';

describe('scripts/redis-cluster.mjs', () => {
  it('starts a redis-server with the given settings and removes it on stop()', async () => {
    const server = await startRedisServer({ config: ['--maxmemory-policy', 'allkeys-lru'] });
    try {
      expect(await redisCli(server.port, 'PING')).toBe('PONG');
      expect(await redisCli(server.port, 'CONFIG', 'GET', 'maxmemory-policy')).toMatch(/allkeys-lru/);
      expect(existsSync(server.dir)).toBe(true);
    } finally {
      await server.stop();
    }
    expect(existsSync(server.dir)).toBe(false);
    await expect(redisCli(server.port, 'PING')).rejects.toThrow();
  });

  it('starts a 3-master cluster that covers every slot', async () => {
    const cluster = await startRedisCluster({ masters: 3 });
    try {
      expect(cluster.nodes).toHaveLength(3);
      const info = await redisCli(cluster.nodes[0]!.port, 'CLUSTER', 'INFO');
      expect(info).toMatch(/cluster_state:ok/);
      expect(info).toMatch(/cluster_slots_assigned:16384/);
      expect(info).toMatch(/cluster_known_nodes:3/);
    } finally {
      await cluster.stop();
    }
  }, 30_000);
});
