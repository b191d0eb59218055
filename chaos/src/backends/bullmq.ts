/**
 * BullMQ on Redis. Connections are named `chaos-<prefix>` (BullMQ's own duplicates keep the
 * name, the event connection is `sy-events:<prefix>`), so a kill touches this run's only.
 * Malformed entries are written the way another BullMQ producer or a damaged key would be.
 */
import { bullmqAdapter } from '@switchyard/adapter-bullmq';
import { Queue } from 'bullmq';
import { deleteKeys, killNamedClients, REDIS_URL, redisAdmin } from './redis-clients.ts';
import { addressOf, type ChaosBackend, split } from './types.ts';

const redis = addressOf(REDIS_URL, 6379);

export const bullmqBackend: ChaosBackend = {
  name: 'bullmq',
  services: () => [redis],
  createAdapter(prefix, route) {
    const { host, port } = route(redis);
    return bullmqAdapter({ connection: { host, port, connectionName: `chaos-${prefix}` }, prefix });
  },
  killConnections: (prefix) => killNamedClients(prefix),
  async writeMalformed(prefix, queue, count) {
    const [foreign = 0, notJson = 0, noEnvelope = 0] = split(count, 3);
    const bull = new Queue(queue, {
      connection: { ...redis, connectionName: `chaos-foreign-${prefix}` },
      prefix,
    });
    try {
      // Another BullMQ producer on the same queue: data that is no Switchyard envelope.
      await bull.addBulk(
        Array.from({ length: foreign }, (_, n) => ({ name: 'chaos.work', data: { foreign: true, n } })),
      );
      // Jobs whose stored data is cut short (a damaged key), and jobs of an unknown shape.
      const damaged = await bull.addBulk(
        Array.from({ length: notJson + noEnvelope }, (_, n) => ({
          name: n % 2 ? 'chaos.work' : 'nobody.knows',
          data: {},
        })),
      );
      const admin = redisAdmin();
      const pipeline = admin.pipeline();
      for (const [index, job] of damaged.entries()) {
        const data = index < notJson ? '{"v":1,"payload": ' : '[1,2,3]';
        pipeline.hset(`${prefix}:${queue}:${job.id}`, 'data', data);
      }
      await pipeline.exec();
    } finally {
      await bull.close();
    }
    return { 'foreign BullMQ job': foreign, 'data not JSON': notJson, 'data not an envelope': noEnvelope };
  },
  cleanup: (prefix) => deleteKeys(`${prefix}:*`),
  close: async () => {},
};
