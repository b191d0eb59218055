/** `bullmqAdapter()`: the Switchyard adapter for BullMQ on Redis. */
import { type AdapterCapabilities, AdapterError, type QueueAdapter } from '@switchyard/core';
import { type BullmqConsumer, startConsumer } from './consume.js';
import { AdapterContext } from './context.js';
import { enqueueJobs } from './enqueue.js';
import { ADAPTER_NAME } from './errors.js';
import type { RedisClient } from './options.js';
import { type BullmqAdapterOptions, createMainClient, resolveOptions } from './options.js';
import { createJobStore } from './queries.js';
import { createQueueControl } from './queues.js';
import { createScheduleStore } from './schedules.js';

/** How long `start()` waits for Redis before failing. */
const CONNECT_TIMEOUT_MS = 10_000;

/** host:port of a single Redis, or "the cluster" (for error messages). */
function describeServer(client: RedisClient): string {
  const options = client.options as { host?: string; port?: number };
  return options.host !== undefined ? `${options.host}:${options.port ?? 6379}` : 'the cluster';
}

/** Waits for the client to answer, or fails with a message naming the server. */
async function ping(context: AdapterContext): Promise<void> {
  const { client } = context;
  if (client.status === 'wait') await client.connect();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(`no answer from Redis at ${describeServer(client)} within ${CONNECT_TIMEOUT_MS} ms`),
        ),
      CONNECT_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([client.ping(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Closes a client the adapter owns: QUIT when connected, else just stop reconnecting. */
async function closeClient(client: RedisClient): Promise<void> {
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch (error) {
      // QUIT raced a dropped connection: nothing left to flush, so drop the socket.
      client.disconnect();
      if (!/Connection is closed/.test((error as Error).message)) throw error;
      return;
    }
  }
  client.disconnect();
}

/**
 * A Switchyard adapter on BullMQ 6 (Redis). Jobs are BullMQ jobs (the Switchyard id is
 * the BullMQ job id), leases are BullMQ locks; schedules are driven by core.
 */
export function bullmqAdapter(options: BullmqAdapterOptions): QueueAdapter {
  const resolved = resolveOptions(options);
  const { client, owned } = createMainClient(options.connection);
  const context = new AdapterContext(client, resolved);
  const consumers = new Set<BullmqConsumer>();
  const capabilities: AdapterCapabilities = {
    durable: true,
    transactionalEnqueue: false,
    ordering: 'strict',
    maxPayloadBytes: resolved.maxPayloadBytes,
    maxDelayMs: Number.POSITIVE_INFINITY,
    crossProcessCancel: true,
    nativeScheduler: false,
    crossProcessLeases: true,
  };

  return {
    name: ADAPTER_NAME,
    specVersion: 1,
    capabilities,
    async start(startContext) {
      context.logger = startContext.logger;
      context.clock = startContext.clock;
      context.retention = startContext.retention;
      try {
        await ping(context);
      } catch (error) {
        throw new AdapterError(ADAPTER_NAME, `cannot reach Redis: ${(error as Error).message}`, {
          cause: error,
        });
      }
    },
    async close() {
      await Promise.all([...consumers].map((consumer) => consumer.close()));
      consumers.clear();
      await context.close();
      if (owned) await closeClient(client);
    },
    enqueue: (jobs) => enqueueJobs(context, jobs),
    consume(queues, consumeOptions, onLease) {
      const consumer = startConsumer(context, queues, consumeOptions, onLease);
      consumers.add(consumer);
      return consumer;
    },
    jobs: createJobStore(context),
    queues: createQueueControl(context),
    schedules: createScheduleStore(context),
  };
}
