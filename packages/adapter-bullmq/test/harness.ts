/** Adapter-level test helpers: a started adapter on a unique prefix, dropped after the test. */

import { randomBytes } from 'node:crypto';
import { bullmqAdapter } from '@switchyard/adapter-bullmq';
import { testJob } from '@switchyard/conformance';
import { type NewJob, type QueueAdapter, silentLogger, systemClock } from '@switchyard/core';
import { Redis } from 'ioredis';
import { REDIS_URL } from './redis-required.js';

/** A unique BullMQ prefix per test. */
export function uniquePrefix(): string {
  return `syt${randomBytes(4).toString('hex')}`;
}

/** A started adapter plus a raw client for backdoor reads. */
export interface Harness {
  prefix: string;
  adapter: QueueAdapter;
  raw: Redis;
  /** Another adapter on the same prefix (a second process). */
  second(): Promise<QueueAdapter>;
  close(): Promise<void>;
}

/** Starts an adapter on a fresh prefix (`prefix` overrides, e.g. a hash-tagged one). */
export async function startHarness(
  options: { prefix?: string; retention?: { completedMs?: number; failedMs?: number } } = {},
): Promise<Harness> {
  const prefix = options.prefix ?? uniquePrefix();
  const adapters: QueueAdapter[] = [];
  const start = async () => {
    const adapter = bullmqAdapter({ connection: REDIS_URL, prefix });
    await adapter.start({ logger: silentLogger, clock: systemClock, retention: options.retention ?? {} });
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

/** Polls until `predicate` holds (real backends need real time; bounded, never a blind sleep). */
export async function eventually<T>(
  probe: () => Promise<T> | T,
  what: string,
  timeoutMs = 5000,
): Promise<NonNullable<T>> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() - started > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
