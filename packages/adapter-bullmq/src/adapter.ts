/** `bullmqAdapter()`: the Switchyard adapter for BullMQ on Redis. */
import { type AdapterCapabilities, AdapterError, type QueueAdapterV2 } from '@switchyard/core';
import { closeClient, createCommandClient, describeServer } from './connections.js';
import { type BullmqConsumer, startConsumer } from './consume.js';
import { AdapterContext } from './context.js';
import { enqueueJobs } from './enqueue.js';
import { ADAPTER_NAME } from './errors.js';
import { createEventBus } from './events.js';
import { createHistoryStore } from './history.js';
import { IndexSweeper } from './index-sweep.js';
import { type BullmqAdapterOptions, resolveOptions } from './options.js';
import { createJobStore } from './queries.js';
import { createQueueControl } from './queues.js';
import { checkRedisSettings } from './redis-settings.js';
import { createScheduleStore } from './schedules.js';
import { createStatsStore } from './stats.js';
import { BullmqThrottle } from './throttle.js';
import { createWorkerRegistry } from './workers.js';

/** How long `start()` waits for Redis before failing. */
const CONNECT_TIMEOUT_MS = 10_000;

/** Waits for the command connection to answer, or fails with a message naming the server. */
async function ping(context: AdapterContext): Promise<void> {
  const { client } = context;
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
    await Promise.race([
      (async () => {
        // The command connection has no offline queue: it must be connected before the first command.
        if (client.status === 'wait') await client.connect();
        await client.ping();
      })(),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A Switchyard adapter on BullMQ 6 (Redis). Jobs are BullMQ jobs (the Switchyard id is
 * the BullMQ job id), leases are BullMQ locks; schedules are driven by core. Jobs that plain
 * BullMQ producers add to the queues named in `foreignJobs` run as Switchyard jobs too.
 */
export function bullmqAdapter(options: BullmqAdapterOptions): QueueAdapterV2 {
  const resolved = resolveOptions(options);
  const client = createCommandClient(options.connection);
  const context = new AdapterContext(client, resolved);
  const consumers = new Set<BullmqConsumer>();
  const events = createEventBus(context);
  const sweeper = new IndexSweeper(context);
  const capabilities: AdapterCapabilities = {
    durable: true,
    transactionalEnqueue: false,
    ordering: 'strict',
    maxPayloadBytes: resolved.maxPayloadBytes,
    maxDelayMs: Number.POSITIVE_INFINITY,
    crossProcessCancel: true,
    nativeScheduler: false,
    crossProcessLeases: true,
    throttle: true,
  };

  return {
    name: ADAPTER_NAME,
    specVersion: 2,
    capabilities,
    async start(startContext) {
      context.logger = startContext.logger;
      context.clock = startContext.clock;
      context.retention = startContext.retention;
      if (startContext.historyRetentionMs !== undefined) {
        context.historyRetentionMs = startContext.historyRetentionMs;
      }
      try {
        await ping(context);
      } catch (error) {
        throw new AdapterError(ADAPTER_NAME, `cannot reach Redis: ${(error as Error).message}`, {
          cause: error,
        });
      }
      await checkRedisSettings(client, context.logger);
      await context.prepareForeignQueues();
      sweeper.start();
    },
    async close() {
      await sweeper.stop();
      await events.close();
      await Promise.all([...consumers].map((consumer) => consumer.close()));
      consumers.clear();
      await context.close();
      await closeClient(client);
    },
    enqueue: (jobs, options) => enqueueJobs(context, jobs, options),
    consume(queues, consumeOptions, onLease) {
      const consumer = startConsumer(context, queues, consumeOptions, onLease);
      consumers.add(consumer);
      return consumer;
    },
    jobs: createJobStore(context),
    queues: createQueueControl(context),
    schedules: createScheduleStore(context),
    workers: createWorkerRegistry(context),
    events,
    history: createHistoryStore(context, () => context.historyRetentionMs),
    stats: createStatsStore(context),
    throttle: new BullmqThrottle(context),
  };
}
