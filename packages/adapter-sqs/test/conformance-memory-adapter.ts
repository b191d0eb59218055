/**
 * The conformance module of the SQS adapter on the in-memory job-state store: fauxqs as in
 * `conformance-adapter.ts`, one `memoryStore()` per test prefix shared by every adapter of
 * that prefix (several yards of one process). The store is not durable and not shared between
 * processes, so the adapter declares that and the suite skips what needs it.
 */
import { DeleteQueueCommand, ListQueuesCommand } from '@aws-sdk/client-sqs';
import { type JobStateStore, memoryStore, sqsAdapter } from '@switchyard/adapter-sqs';
import type { ConformanceAdapterModule } from '@switchyard/conformance';
import { sqsClient, sqsEndpoint } from './conformance-adapter.js';

const client = sqsClient(await sqsEndpoint());
const stores = new Map<string, JobStateStore>();

function storeOf(prefix: string): JobStateStore {
  let store = stores.get(prefix);
  if (!store) {
    store = memoryStore();
    stores.set(prefix, store);
  }
  return store;
}

const mod: ConformanceAdapterModule = {
  createAdapter: ({ prefix }) =>
    sqsAdapter({
      client,
      store: storeOf(prefix),
      queuePrefix: prefix,
      createQueues: true,
      waitTimeSeconds: 1,
      pausedRecheckMs: 200,
      retentionSweepIntervalMs: 100,
    }),
  // Backdoors through the store itself, below the adapter under test.
  corruptJob: async ({ prefix }, jobId) => {
    const store = storeOf(prefix);
    const stored = await store.getJob(jobId);
    if (!stored) throw new Error(`no job ${jobId} to corrupt`);
    const written = await store.updateJob(stored.version, {
      ...stored,
      data: '{"id": not json',
      runAt: 0,
      createdAt: 0,
      priority: 5,
      attempt: stored.attempt ?? 0,
    });
    if (written === null) throw new Error(`job ${jobId} changed while it was being corrupted`);
  },
  readRawState: async ({ prefix }, jobId) => (await storeOf(prefix).getJob(jobId))?.state ?? null,
  cleanup: async ({ prefix }) => {
    stores.delete(prefix);
    const listed = await client.send(new ListQueuesCommand({ QueueNamePrefix: `${prefix}-` }));
    await Promise.all(
      (listed.QueueUrls ?? []).map((url) => client.send(new DeleteQueueCommand({ QueueUrl: url }))),
    );
  },
};
export default mod;
