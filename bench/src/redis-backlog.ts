/**
 * Processing rate with a backlog in place (issue 22) on the Redis-backed adapters: the
 * BullMQ adapter beside raw BullMQ on the same backlog, and the SQS adapter (fauxqs
 * in-process, Redis store). Same measurement as `pgboss-backlog.ts` (backlog-measure.ts).
 *
 *   node bench/src/redis-backlog.ts   (BENCH_BACKEND=bullmq|sqs BENCH_BACKLOG=100000 BENCH_WINDOW=10000
 *                                      BENCH_ONLY=adapter|bullmq REDIS_URL=...)
 *
 * Needs built dist. Prints one table row per system ("switchyard, <backlog> queued",
 * "raw BullMQ, <backlog> queued").
 */
import { randomBytes } from 'node:crypto';
import { SQSClient } from '@aws-sdk/client-sqs';
import { bullmqAdapter } from '@switchyard/adapter-bullmq';
import { redisStore, sqsAdapter } from '@switchyard/adapter-sqs';
import type { QueueAdapter } from '@switchyard/core';
import { Queue, Worker } from 'bullmq';
import { startFauxqs } from 'fauxqs';
import {
  adapterBacklogRow,
  type BacklogRow,
  CONCURRENCY,
  measureBacklog,
  printBacklogTable,
  wanted,
} from './backlog-measure.ts';
import { deleteKeys } from './redis-keys.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const BACKEND = process.env.BENCH_BACKEND ?? 'bullmq';
if (BACKEND !== 'bullmq' && BACKEND !== 'sqs')
  throw new Error(`BENCH_BACKEND must be bullmq or sqs, got ${BACKEND}`);

/** The adapter under test in fresh keys, and how to remove them. */
async function freshAdapter(): Promise<{ adapter: QueueAdapter; drop(): Promise<void> }> {
  const id = randomBytes(3).toString('hex');
  if (BACKEND === 'bullmq') {
    const prefix = `{bbl${id}}`;
    return {
      adapter: bullmqAdapter({ connection: REDIS_URL, prefix }),
      drop: () => deleteKeys(REDIS_URL, `${prefix}*`),
    };
  }
  const fauxqs = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false });
  const keyPrefix = `{bbl:${id}}`;
  return {
    adapter: sqsAdapter({
      client: new SQSClient({
        endpoint: fauxqs.address,
        region: 'us-east-1',
        credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
      }),
      store: redisStore({ url: REDIS_URL, keyPrefix }),
      queuePrefix: `bbl${id}`,
      waitTimeSeconds: 1,
    }),
    async drop() {
      await deleteKeys(REDIS_URL, `${keyPrefix}*`);
      await fauxqs.stop();
    },
  };
}

async function benchAdapter(): Promise<BacklogRow> {
  const { adapter, drop } = await freshAdapter();
  try {
    return await adapterBacklogRow(adapter);
  } finally {
    await adapter.close();
    await drop();
  }
}

/** Raw BullMQ on the same backlog: `addBulk` of plain jobs (its fastest path), one Worker. */
async function benchBullmq(): Promise<BacklogRow> {
  const prefix = `bblraw${randomBytes(3).toString('hex')}`;
  const connection = { url: REDIS_URL };
  const bulk = new Queue('bulk', { connection, prefix });
  const probe = new Queue('probe', { connection, prefix });
  let worker: Worker | undefined;
  try {
    return await measureBacklog({
      system: 'raw BullMQ',
      note: `Queue.addBulk / Worker, concurrency ${CONCURRENCY}`,
      enqueueBatch: (count) =>
        bulk.addBulk(Array.from({ length: count }, () => ({ name: 'noop', data: {} }))),
      enqueueOne: () => probe.add('noop', {}),
      startConsumer(finished) {
        worker = new Worker('bulk', async () => finished(1), {
          connection,
          prefix,
          concurrency: CONCURRENCY,
        });
      },
      stopConsumer: async () => worker?.close(),
    });
  } finally {
    await worker?.close(true);
    await bulk.close();
    await probe.close();
    await deleteKeys(REDIS_URL, `${prefix}:*`);
  }
}

const rows: BacklogRow[] = [];
if (wanted('adapter')) rows.push(await benchAdapter());
if (BACKEND === 'bullmq' && wanted('bullmq')) rows.push(await benchBullmq());
printBacklogTable(
  BACKEND === 'bullmq' ? 'Redis backlog (BullMQ)' : 'SQS backlog (fauxqs, Redis store)',
  rows,
);
