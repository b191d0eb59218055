import {
  type AdapterCapabilities,
  type AdapterEnqueueOptions,
  type AdapterStartContext,
  CapabilityError,
  type Clock,
  type ConsumeOptions,
  type Consumer,
  type Duration,
  InvalidOptionsError,
  type Lease,
  type NewJob,
  parseDuration,
  type QueueAdapterV2,
  type QueueControl,
  type ThrottleStore,
} from '@switchyard/core';
import { MemoryBackend } from './backend.js';
import { MemoryConsumer } from './delivery.js';
import { createJobStore } from './job-queries.js';
import type { JobRow } from './job-row.js';
import { InProcessEventBus } from './operations/event-bus.js';
import { InProcessHistory } from './operations/history-store.js';
import { createStatsStore } from './operations/queue-stats.js';
import { InProcessWorkerRegistry } from './operations/worker-registry.js';
import { MemoryScheduleStore } from './schedule-store.js';
import { MemoryThrottle } from './throttle.js';

/** Options of `memoryAdapter()`. */
export interface MemoryAdapterOptions {
  /** Time source for delays, leases and retention; default: the clock core passes to `start()`. */
  clock?: Clock;
  /** Largest JSON payload accepted, in bytes; default 256 KiB. */
  maxPayloadBytes?: number;
  /** How often finished jobs past their retention are removed; default `'1m'`. */
  sweepInterval?: Duration;
}

/** A stored job as the memory backend keeps it (payload, result and progress as JSON text). */
export type MemoryJobRow = JobRow;

/** Direct access to the stored rows, bypassing the adapter's API. */
export interface MemoryStorage {
  /**
   * The live stored row of a job (not a copy), or undefined. Changing it is like
   * writing to a database by hand: no index is updated. For diagnostics and tests.
   */
  row(id: string): MemoryJobRow | undefined;
}

/** The in-process adapter: a `QueueAdapter` plus raw access to its store. */
export interface MemoryAdapter extends QueueAdapterV2 {
  readonly name: 'memory';
  /** Raw access to the stored rows (what a backdoor read of a database would see). */
  readonly storage: MemoryStorage;
  readonly throttle: ThrottleStore;
}

const DEFAULT_MAX_PAYLOAD_BYTES = 256 * 1024;

/**
 * Builds the in-process adapter: zero infrastructure, strict priority order,
 * not durable (jobs live in this process's memory and vanish with it).
 */
export function memoryAdapter(options: MemoryAdapterOptions = {}): MemoryAdapter {
  const maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  if (!Number.isInteger(maxPayloadBytes) || maxPayloadBytes < 1) {
    throw new InvalidOptionsError(
      `memoryAdapter: maxPayloadBytes must be a positive integer, got ${maxPayloadBytes}`,
    );
  }
  const sweepIntervalMs = parseDuration(options.sweepInterval ?? '1m', 'memoryAdapter: sweepInterval');
  if (sweepIntervalMs < 1)
    throw new InvalidOptionsError('memoryAdapter: sweepInterval must be at least 1 ms');

  const backend = new MemoryBackend({ clock: options.clock, maxPayloadBytes, sweepIntervalMs });
  const capabilities: AdapterCapabilities = Object.freeze({
    durable: false,
    transactionalEnqueue: false,
    ordering: 'strict',
    maxPayloadBytes,
    maxDelayMs: Number.POSITIVE_INFINITY,
    crossProcessCancel: false,
    nativeScheduler: false,
    crossProcessLeases: false,
    throttle: true,
  });

  const history = new InProcessHistory(() => backend.now());
  const queues: QueueControl = {
    async pause(queue) {
      backend.ready.pause(queue);
    },
    async resume(queue) {
      backend.resumeQueue(queue);
    },
    async isPaused(queue) {
      return backend.ready.isPaused(queue);
    },
    async list() {
      return [...new Set([...backend.table.queues(), ...backend.ready.queuesEverPaused()])].sort();
    },
  };

  return {
    name: 'memory',
    specVersion: 2,
    capabilities,
    async start(context: AdapterStartContext) {
      backend.start(context);
      if (context.historyRetentionMs !== undefined) history.retentionMs = context.historyRetentionMs;
    },
    async close() {
      backend.close();
    },
    async enqueue(jobs: NewJob[], enqueueOptions?: AdapterEnqueueOptions) {
      if (enqueueOptions?.tx !== undefined) {
        throw new CapabilityError('memory', 'transactionalEnqueue', 'transactional enqueue is not supported');
      }
      return backend.enqueue(jobs);
    },
    consume(
      consumeQueues: string[],
      consumeOptions: ConsumeOptions,
      onLease: (lease: Lease) => Promise<void>,
    ) {
      return startConsumer(backend, consumeQueues, consumeOptions, onLease);
    },
    jobs: createJobStore(backend),
    queues,
    schedules: new MemoryScheduleStore(),
    throttle: new MemoryThrottle(backend),
    workers: new InProcessWorkerRegistry(),
    events: new InProcessEventBus(),
    history,
    stats: createStatsStore(backend, () => queues.list()),
    storage: { row: (id) => backend.table.get(id) },
  };
}

function startConsumer(
  backend: MemoryBackend,
  queues: string[],
  options: ConsumeOptions,
  onLease: (lease: Lease) => Promise<void>,
): Consumer {
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
    throw new InvalidOptionsError(
      `memory: concurrency must be a positive integer, got ${options.concurrency}`,
    );
  }
  if (!(options.leaseDurationMs > 0)) {
    throw new InvalidOptionsError(`memory: leaseDurationMs must be positive, got ${options.leaseDurationMs}`);
  }
  const consumer = new MemoryConsumer(
    [...new Set(queues)],
    options.concurrency,
    options.leaseDurationMs,
    onLease,
    backend.delivery,
  );
  backend.delivery.attach(consumer);
  return consumer;
}
