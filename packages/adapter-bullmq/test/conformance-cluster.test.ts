/**
 * The conformance suite on a real 3-master Redis Cluster, started on loopback for this file
 * (`scripts/redis-cluster.mjs`: redis-server with `cluster-enabled yes` in temp dirs, joined with
 * `redis-cli --cluster create`) and torn down after it. Prefixes are hash-tagged.
 */
import { runConformanceSuite } from '@switchyard/conformance';
import { afterAll } from 'vitest';
import { startRedisCluster } from '../../../scripts/redis-cluster.mjs';

const cluster = await startRedisCluster({ masters: 3 });
process.env.SY_REDIS_CLUSTER_NODES = JSON.stringify(cluster.nodes);
afterAll(() => cluster.stop());

runConformanceSuite({
  name: 'bullmq on a 3-master Redis Cluster',
  adapterModule: new URL('./conformance-cluster-adapter.ts', import.meta.url).href,
});
