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
import { REDIS_URL } from '@switchyard/test-services';
import { Queue, Worker } from 'bullmq';
import {
  adapterBacklogRow,
  type BacklogRow,
  CONCURRENCY,
  measureBacklog,
  printBacklogTable,
  wanted,
} from './backlog-measure.ts';
import { freshBackend, stopSqsEmulator } from './operations/backends.ts';
import { deleteKeys } from './redis-keys.ts';

const chosen = process.env.BENCH_BACKEND ?? 'bullmq';
if (chosen !== 'bullmq' && chosen !== 'sqs')
  throw new Error(`BENCH_BACKEND must be bullmq or sqs, got ${chosen}`);
const BACKEND: 'bullmq' | 'sqs' = chosen;

async function benchAdapter(): Promise<BacklogRow> {
  const backend = await freshBackend(BACKEND);
  const adapter = backend.adapter();
  try {
    return await adapterBacklogRow(adapter);
  } finally {
    await adapter.close();
    await backend.drop();
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
await stopSqsEmulator();
printBacklogTable(
  BACKEND === 'bullmq' ? 'Redis backlog (BullMQ)' : 'SQS backlog (fauxqs, Redis store)',
  rows,
);
