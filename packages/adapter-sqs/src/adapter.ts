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
  QueueAdapter,
} from '@switchyard/core';
import { ClosedError } from '@switchyard/core';
import { SqsConsumer } from './consume.js';
import { enqueueJobs } from './enqueue.js';
import { SqsMessages } from './messages.js';
import { resolveOptions, type SqsAdapterOptions } from './options.js';
import { createJobQueries } from './queries.js';
import { createQueueControl } from './queue-control.js';
import { QueueDirectory } from './queues.js';
import { JobRecords } from './records.js';
import { RetentionSweeper } from './retention.js';
import { type AdapterRuntime, DEFAULT_CONTEXT } from './runtime.js';
import { createScheduleStore } from './schedules.js';

/** The SQS adapter's capabilities: core's, plus whether its queues are FIFO queues. */
export interface SqsCapabilities extends AdapterCapabilities {
  /** FIFO queues: strict order within a message group (see the `fifo` option). */
  fifo: boolean;
}

/** An SQS adapter, with the SQS API-call counters exposed for cost measurements. */
export interface SqsQueueAdapter extends QueueAdapter {
  readonly capabilities: SqsCapabilities;
  /** SQS API calls made by this adapter so far, by action (SendMessageBatch, ReceiveMessage, ...). */
  readonly apiCalls: Readonly<Record<string, number>>;
}

/** Builds the SQS adapter. Queues are created (or looked up) on `start()` and on first use. */
export function sqsAdapter(options: SqsAdapterOptions): SqsQueueAdapter {
  const resolved = resolveOptions(options);
  const runtime: AdapterRuntime = {
    options: resolved,
    clock: DEFAULT_CONTEXT.clock,
    logger: DEFAULT_CONTEXT.logger,
    records: new JobRecords(resolved.store, () => runtime.clock.now()),
    messages: new SqsMessages(resolved.client, () => runtime.logger),
    directory: new QueueDirectory(resolved.client, {
      prefix: resolved.queuePrefix,
      bands: resolved.priorityBands,
      create: resolved.createQueues,
      fifo: resolved.fifo !== null,
      attributes: resolved.queueAttributes,
    }),
  };
  const capabilities: SqsCapabilities = Object.freeze({
    durable: resolved.store.durable,
    transactionalEnqueue: false,
    ordering: 'best-effort',
    maxPayloadBytes: resolved.maxPayloadBytes,
    maxDelayMs: Number.POSITIVE_INFINITY,
    // Cancel flags and lease tokens live in the store: only a shared store reaches other processes.
    crossProcessCancel: resolved.store.durable,
    nativeScheduler: false,
    crossProcessLeases: resolved.store.durable,
    fifo: resolved.fifo !== null,
  });
  const consumers = new Set<SqsConsumer>();
  let sweeper: RetentionSweeper | null = null;
  let closed = false;

  return {
    name: 'sqs',
    specVersion: 1,
    capabilities,
    get apiCalls() {
      return { ...runtime.messages.calls };
    },
    async start(context: AdapterStartContext): Promise<void> {
      closed = false;
      runtime.clock = context.clock;
      runtime.logger = context.logger;
      await runtime.records.call('connect', () => resolved.store.connect());
      await Promise.all(resolved.queues.map((queue) => runtime.directory.bandsOf(queue)));
      await sweeper?.stop();
      sweeper = new RetentionSweeper(runtime, context.retention);
      sweeper.start();
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await Promise.all([...consumers].map((consumer) => consumer.stop()));
      await Promise.all([...consumers].map((consumer) => consumer.finished));
      consumers.clear();
      await sweeper?.stop();
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
  };
}
