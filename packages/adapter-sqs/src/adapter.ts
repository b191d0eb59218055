/**
 * `sqsAdapter`: SQS for delivery, a job-state store for everything SQS cannot
 * answer. See docs/adapters/sqs.md for what is native and what is emulated.
 */
import type {
  AdapterCapabilities,
  AdapterStartContext,
  ConsumeOptions,
  Consumer,
  EnqueueOutcome,
  Lease,
  NewJob,
  QueueAdapterV2,
} from '@switchyard/core';
import { ClosedError } from '@switchyard/core';
import { SqsConsumer } from './consume.js';
import { enqueueJobs } from './enqueue.js';
import { createEventBus } from './events.js';
import { createHistoryStore, HistoryPruner } from './history.js';
import { SqsMessages } from './messages.js';
import { resolveOptions, type SqsAdapterOptions } from './options.js';
import { createJobQueries } from './queries.js';
import { createQueueControl } from './queue-control.js';
import { QueueDirectory } from './queues.js';
import { JobRecords } from './records.js';
import { RetentionSweeper } from './retention.js';
import {
  type AdapterRuntime,
  DEFAULT_CONTEXT,
  type DoorbellCounters,
  newDoorbellCounters,
} from './runtime.js';
import { createScheduleStore } from './schedules.js';
import { createStats } from './stats.js';
import { SqsThrottle } from './throttle.js';
import { UnrungSweeper } from './unrung-sweep.js';
import { createWorkerRegistry } from './workers.js';

/** The SQS adapter's capabilities: core's, plus whether its queues are FIFO queues. */
export interface SqsCapabilities extends AdapterCapabilities {
  /** FIFO queues: strict order within a message group (see the `fifo` option). */
  fifo: boolean;
}

/** An SQS adapter, with the SQS API-call counters exposed for cost measurements. */
export interface SqsQueueAdapter extends QueueAdapterV2 {
  readonly capabilities: SqsCapabilities;
  /** SQS API calls made by this adapter so far, by action (SendMessageBatch, ReceiveMessage, ...). */
  readonly apiCalls: Readonly<Record<string, number>>;
  /** What this adapter noticed about doorbells so far (unknown jobs, empty or restored tickets, abandoned polls). */
  readonly doorbells: Readonly<DoorbellCounters>;
}

/** Builds the SQS adapter. Queues are created (or looked up) on `start()` and on first use. */
export function sqsAdapter(options: SqsAdapterOptions): SqsQueueAdapter {
  const resolved = resolveOptions(options);
  const runtime: AdapterRuntime = {
    options: resolved,
    clock: DEFAULT_CONTEXT.clock,
    logger: DEFAULT_CONTEXT.logger,
    historyRetentionMs: DEFAULT_CONTEXT.historyRetentionMs,
    records: new JobRecords(resolved.store, () => runtime.clock.now()),
    doorbells: newDoorbellCounters(),
    messages: new SqsMessages(
      resolved.client,
      () => runtime.logger,
      () => runtime.doorbells.abandonedPolls++,
    ),
    directory: new QueueDirectory(resolved.client, {
      prefix: resolved.queuePrefix,
      create: resolved.createQueues,
      fifo: resolved.fifo !== null,
      attributes: resolved.queueAttributes,
    }),
  };
  const capabilities: SqsCapabilities = Object.freeze({
    durable: resolved.store.durable,
    transactionalEnqueue: false,
    ordering: resolved.ordering,
    maxPayloadBytes: resolved.maxPayloadBytes,
    maxDelayMs: Number.POSITIVE_INFINITY,
    // Cancel flags and lease tokens live in the store: only a shared store reaches other processes.
    crossProcessCancel: resolved.store.durable,
    nativeScheduler: false,
    crossProcessLeases: resolved.store.durable,
    // Where the store keeps throttle counters (the Redis store does).
    throttle: resolved.store.throttle !== undefined,
    fifo: resolved.fifo !== null,
  });
  const throttle = resolved.store.throttle && new SqsThrottle(resolved.store.throttle, () => runtime.clock);
  const consumers = new Set<SqsConsumer>();
  let sweeper: RetentionSweeper | null = null;
  let unrungSweeper: UnrungSweeper | null = null;
  let pruner: HistoryPruner | null = null;
  let closed = false;

  return {
    name: 'sqs',
    specVersion: 2,
    capabilities,
    get apiCalls() {
      return { ...runtime.messages.calls };
    },
    get doorbells() {
      return { ...runtime.doorbells };
    },
    async start(context: AdapterStartContext): Promise<void> {
      closed = false;
      runtime.clock = context.clock;
      runtime.logger = context.logger;
      runtime.historyRetentionMs = context.historyRetentionMs ?? DEFAULT_CONTEXT.historyRetentionMs;
      await runtime.records.call('connect', () => resolved.store.connect());
      await warnAboutDurability(runtime);
      await Promise.all(resolved.queues.map((queue) => runtime.directory.urlOf(queue)));
      await Promise.all([sweeper?.stop(), pruner?.stop(), unrungSweeper?.stop()]);
      sweeper = new RetentionSweeper(runtime, context.retention);
      sweeper.start();
      unrungSweeper = new UnrungSweeper(runtime);
      unrungSweeper.start();
      pruner = new HistoryPruner(runtime);
      pruner.start();
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await Promise.all([...consumers].map((consumer) => consumer.stop()));
      await Promise.all([...consumers].map((consumer) => consumer.finished));
      consumers.clear();
      await Promise.all([sweeper?.stop(), pruner?.stop(), unrungSweeper?.stop()]);
      await runtime.messages.drain();
      await resolved.store.close();
    },
    enqueue(jobs: NewJob[]): Promise<EnqueueOutcome[]> {
      if (closed) return Promise.reject(new ClosedError('sqs adapter'));
      return enqueueJobs(runtime, jobs);
    },
    consume(
      queues: string[],
      consumeOptions: ConsumeOptions,
      onLease: (lease: Lease) => Promise<void>,
    ): Consumer {
      if (closed) throw new ClosedError('sqs adapter');
      const consumer = new SqsConsumer(runtime, queues, consumeOptions, onLease);
      consumers.add(consumer);
      void consumer.finished.finally(() => consumers.delete(consumer));
      return consumer;
    },
    jobs: createJobQueries(runtime),
    queues: createQueueControl(runtime),
    schedules: createScheduleStore(runtime),
    workers: createWorkerRegistry(runtime),
    events: createEventBus(runtime),
    history: createHistoryStore(runtime),
    stats: createStats(runtime),
    ...(throttle ? { throttle } : {}),
  };
}

/** Logs, at warn, what makes the store lose jobs (a check failing is logged and does not stop the start). */
async function warnAboutDurability(runtime: AdapterRuntime): Promise<void> {
  const { store } = runtime.options;
  if (!store.durabilityWarnings) return;
  try {
    for (const warning of await store.durabilityWarnings())
      runtime.logger.warn({ store: store.name }, warning);
  } catch (error) {
    runtime.logger.warn(
      { err: error, store: store.name },
      'sqs: could not check whether the job-state store persists',
    );
  }
}
