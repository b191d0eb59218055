/** Adapter-level test helpers: a started adapter on a unique prefix, dropped after the test. */

import { randomBytes } from 'node:crypto';
import { type BullmqAdapterOptions, bullmqAdapter } from '@switchyard/adapter-bullmq';
import { testJob, waitUntil } from '@switchyard/conformance';
import {
  type Clock,
  createSwitchyard,
  type NewJob,
  type QueueAdapterV2,
  type Switchyard,
  type SwitchyardOptions,
  silentLogger,
  systemClock,
  type TaskDefinition,
  type Worker,
  type WorkerOptions,
} from '@switchyard/core';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { REDIS_URL } from './redis-required.js';

/** A unique BullMQ prefix per test. */
export function uniquePrefix(): string {
  return `syt${randomBytes(4).toString('hex')}`;
}

/** A started adapter plus a raw client for backdoor reads. */
export interface Harness {
  prefix: string;
  adapter: QueueAdapterV2;
  raw: Redis;
  /** Another adapter on the same prefix (a second process). */
  second(): Promise<QueueAdapterV2>;
  close(): Promise<void>;
}

/** Starts an adapter on a fresh prefix (`prefix` overrides, e.g. a hash-tagged one). */
export async function startHarness(
  options: {
    prefix?: string;
    retention?: { completedMs?: number; failedMs?: number };
    clock?: Clock;
    historyRetentionMs?: number;
    eventLogLength?: number;
    /** Names every connection (CLIENT SETNAME), so a test can kill only its own. */
    connectionName?: string;
  } = {},
): Promise<Harness> {
  const prefix = options.prefix ?? uniquePrefix();
  const adapters: QueueAdapterV2[] = [];
  const start = async () => {
    const url = new URL(REDIS_URL);
    const adapter = bullmqAdapter({
      connection:
        options.connectionName === undefined
          ? REDIS_URL
          : { host: url.hostname, port: Number(url.port || 6379), connectionName: options.connectionName },
      prefix,
      ...(options.eventLogLength !== undefined ? { eventLogLength: options.eventLogLength } : {}),
    });
    await adapter.start({
      logger: silentLogger,
      clock: options.clock ?? systemClock,
      retention: options.retention ?? {},
      historyRetentionMs: options.historyRetentionMs ?? 7 * 24 * 3_600_000,
    });
    adapters.push(adapter);
    return adapter;
  };
  const adapter = await start();
  const raw = new Redis(REDIS_URL);
  return {
    prefix,
    adapter,
    raw,
    second: start,
    async close() {
      await Promise.all(adapters.map((a) => a.close()));
      let cursor = '0';
      do {
        const [next, keys] = await raw.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await raw.del(...keys);
      } while (cursor !== '0');
      raw.disconnect();
    },
  };
}

/** A ready NewJob with sensible defaults. */
export function newJob(overrides: Partial<NewJob> = {}): NewJob {
  return testJob({ task: 'echo', ...overrides });
}

/**
 * Polls until `probe` returns a truthy value: the suite's `waitUntil` in this file's older argument
 * order (`what` before `timeoutMs`). New tests call `waitUntil(probe, timeoutMs, what)` directly.
 */
export function eventually<T>(
  probe: () => Promise<T> | T,
  what: string,
  timeoutMs = 5000,
): Promise<NonNullable<T>> {
  return waitUntil(probe, timeoutMs, what, 10);
}

/** A started yard on a BullMQ adapter with a fresh prefix, plus BullMQ's own view of its queues. */
export interface YardHarness {
  prefix: string;
  yard: Switchyard;
  raw: Redis;
  /** A plain BullMQ `Queue` on the yard's prefix (what bull-board and plain producers use). */
  queue(name: string): Queue;
  /** A started worker with short leases, closed with the harness. */
  worker(options?: WorkerOptions): Promise<Worker>;
  close(): Promise<void>;
}

/** Starts a yard with `tasks` on a fresh prefix; `adapterOptions` are passed to `bullmqAdapter`. */
export async function startYardHarness(
  tasks: TaskDefinition[],
  adapterOptions: Partial<BullmqAdapterOptions> = {},
  yardOptions: Pick<SwitchyardOptions, 'retention'> = {},
): Promise<YardHarness> {
  const prefix = uniquePrefix();
  const yard = createSwitchyard({
    adapter: bullmqAdapter({ connection: REDIS_URL, prefix, ...adapterOptions }),
    tasks,
    ...yardOptions,
  });
  await yard.start();
  const raw = new Redis(REDIS_URL);
  const queues: Queue[] = [];
  const workers: Worker[] = [];
  return {
    prefix,
    yard,
    raw,
    queue(name) {
      const queue = new Queue(name, { connection: raw, prefix });
      queues.push(queue);
      return queue;
    },
    async worker(options = {}) {
      const worker = yard.createWorker({ concurrency: 2, leaseDuration: 2000, scheduler: false, ...options });
      workers.push(worker);
      await worker.start();
      return worker;
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.stop({ timeout: 0 })));
      await yard.close();
      await Promise.all(queues.map((queue) => queue.close()));
      let cursor = '0';
      do {
        const [next, keys] = await raw.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await raw.del(...keys);
      } while (cursor !== '0');
      raw.disconnect();
    },
  };
}
