/** Helpers for the adapter's own tests: real fauxqs + real Redis, one prefix per test. */

import { randomBytes } from 'node:crypto';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import {
  redisStore,
  type SqsAdapterOptions,
  type SqsQueueAdapter,
  sqsAdapter,
  sqsQueueName,
} from '@switchyard/adapter-sqs';
import { testJob, waitUntil } from '@switchyard/conformance';
import {
  type Clock,
  type Lease,
  type Logger,
  type NewJob,
  silentLogger,
  systemClock,
} from '@switchyard/core';
import { afterEach } from 'vitest';
import conformanceModule, {
  assertServicesReachable,
  keyPrefixOf,
  REDIS_URL,
  sqsClient,
  sqsEndpoint,
} from './conformance-adapter.js';

let shared: SQSClient | undefined;

/** The process-wide SQS client (fauxqs in-process unless SQS_ENDPOINT is set), checked reachable with Redis. */
export async function testClient(): Promise<SQSClient> {
  if (!shared) {
    const endpoint = await sqsEndpoint();
    const client = sqsClient(endpoint);
    await assertServicesReachable(client, endpoint);
    shared = client;
  }
  return shared;
}

const usedPrefixes = new Set<string>();

/** A fresh prefix (lowercase letters and digits), remembered for `dropUsedPrefixes`. */
export function newPrefix(): string {
  const prefix = `t${randomBytes(5).toString('hex')}`;
  usedPrefixes.add(prefix);
  return prefix;
}

/**
 * After a test: drops the Redis keys and SQS queues of every prefix it used when it passed;
 * after a failure they stay for inspection (their names are in the test's output).
 */
export async function dropUsedPrefixes(testPassed: boolean): Promise<void> {
  const prefixes = [...usedPrefixes];
  usedPrefixes.clear();
  if (!testPassed) return;
  for (const prefix of prefixes) await conformanceModule.cleanup!({ prefix });
}

/** An adapter on the Redis store under `prefix`, started with the given clock and logger. */
export async function startedAdapter(
  prefix: string,
  overrides: Partial<SqsAdapterOptions> = {},
  context: {
    clock?: Clock;
    logger?: Logger;
    retention?: { completedMs?: number; failedMs?: number };
    historyRetentionMs?: number;
  } = {},
): Promise<SqsQueueAdapter> {
  const adapter = sqsAdapter({
    client: await testClient(),
    store: redisStore({ url: REDIS_URL, keyPrefix: keyPrefixOf(prefix) }),
    queuePrefix: prefix,
    waitTimeSeconds: 1,
    pausedRecheckMs: 200,
    ...overrides,
  });
  await adapter.start({
    clock: context.clock ?? systemClock,
    logger: context.logger ?? silentLogger,
    retention: context.retention ?? {},
    historyRetentionMs: context.historyRetentionMs ?? 7 * 86_400_000,
  });
  return adapter;
}

/** The SQS queue of `queue` (a `.fifo` one in FIFO mode). */
export function sqsQueueOf(prefix: string, queue = 'work', mode: 'standard' | 'fifo' = 'standard'): string {
  return sqsQueueName(prefix, queue, mode === 'fifo');
}

/** A NewJob as core would build it. */
export function newJob(overrides: Partial<NewJob> = {}, now = Date.now()): NewJob {
  return testJob({ queue: 'work', ...overrides }, now);
}

/** Collects leases as they arrive; `next()` waits for the next one. */
export class LeaseInbox {
  private readonly queue: Lease[] = [];
  private waiters: Array<(lease: Lease) => void> = [];
  /** Settles a lease's `onLease` promise, freeing the slot. */
  private readonly done = new Map<string, () => void>();

  readonly onLease = (lease: Lease): Promise<void> =>
    new Promise<void>((resolve) => {
      this.done.set(`${lease.job.id}:${lease.job.attempt}`, resolve);
      const waiter = this.waiters.shift();
      if (waiter) waiter(lease);
      else this.queue.push(lease);
    });

  /** The next lease, or a rejection after `timeoutMs`. */
  next(timeoutMs = 5_000): Promise<Lease> {
    const ready = this.queue.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise<Lease>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter !== deliver);
        reject(new Error(`no lease within ${timeoutMs} ms`));
      }, timeoutMs);
      const deliver = (lease: Lease): void => {
        clearTimeout(timer);
        resolve(lease);
      };
      this.waiters.push(deliver);
    });
  }

  /** Frees the consumer slot of a lease (as core does once a lease is settled). */
  finish(lease: Lease): void {
    this.done.get(`${lease.job.id}:${lease.job.attempt}`)?.();
  }

  /** Leases received and not yet taken with `next()`. */
  get waiting(): number {
    return this.queue.length;
  }
}

/** A logger that keeps every line. */
export function recordingLogger(): Logger & { lines: Array<{ level: string; obj: object; msg?: string }> } {
  const lines: Array<{ level: string; obj: object; msg?: string }> = [];
  const log =
    (level: string) =>
    (obj: object, msg?: string): void => {
      lines.push({ level, obj, ...(msg === undefined ? {} : { msg }) });
    };
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/**
 * Polls `probe` until it returns a truthy value (every probe here answers `true` or `undefined`):
 * the suite's `waitUntil`. New tests call `waitUntil(probe, timeoutMs, what)` directly.
 */
export function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 5_000,
  what = 'condition',
): Promise<NonNullable<T>> {
  return waitUntil(probe, timeoutMs, what, 25);
}

/** Attributes (message counts) and URL of an SQS queue by name (created empty if it does not exist). */
export async function queueAttributes(
  queueName: string,
): Promise<{ url: string; attributes: Record<string, string> }> {
  const client = await testClient();
  const fifo = queueName.endsWith('.fifo') ? { Attributes: { FifoQueue: 'true' } } : {};
  const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: queueName, ...fifo }));
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }),
  );
  return { url: QueueUrl!, attributes: Attributes ?? {} };
}

/**
 * For a test file: returns `startedAdapter` whose adapters are closed after each
 * test, and drops the test's prefixes when it passed.
 */
export function startedAdaptersClosedAfterEach(): (
  ...args: Parameters<typeof startedAdapter>
) => ReturnType<typeof startedAdapter> {
  const open: Array<Awaited<ReturnType<typeof startedAdapter>>> = [];
  afterEach(async (context) => {
    await Promise.all(open.splice(0).map((adapter) => adapter.close()));
    await dropUsedPrefixes(!context.task.result?.errors?.length);
  });
  return async (...args) => {
    const adapter = await startedAdapter(...args);
    open.push(adapter);
    return adapter;
  };
}
