import { randomUUID } from 'node:crypto';
import { memoryAdapter } from '@switchyard/adapter-memory';
import type { QueueAdapter } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTaskQueueManager, LegacyTaskStatus } from '../../src/legacy/index.js';
import { assertRedisReachable, deleteKeysUnder, REDIS_URL } from './redis-service.js';
import { expectedExecutionOrder, recordingHandlers, runWorkload } from './workload.js';

process.removeAllListeners('warning');

/**
 * adapter-memory does not depend on adapter-bullmq (that would invert the packages), so the
 * durable adapter is loaded by name at run time; vitest resolves it to its source like any
 * other workspace package.
 */
async function loadBullmqAdapter(): Promise<
  (options: { connection: string; prefix: string }) => QueueAdapter
> {
  const specifier = '@switchyard/adapter-bullmq';
  const module = (await import(specifier)) as {
    bullmqAdapter: (options: { connection: string; prefix: string }) => QueueAdapter;
  };
  return module.bullmqAdapter;
}

// Step 2 of the migration: the same workload, unchanged, on a durable backend (BullMQ on real Redis).
describe('legacy TaskQueueManager → durable adapter (BullMQ)', () => {
  const prefix = `legacy-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    await assertRedisReachable();
  });
  afterAll(async () => {
    await deleteKeysUnder(prefix);
  });

  it('runs the workload unchanged, in the same order and with the same observations as on memory', async () => {
    const memoryExecuted: string[] = [];
    const onMemory = await runWorkload(
      createTaskQueueManager({
        adapter: memoryAdapter(),
        concurrency: 1,
        handlers: recordingHandlers(memoryExecuted),
      }),
      LegacyTaskStatus,
    );

    const bullmqAdapter = await loadBullmqAdapter();
    const executed: string[] = [];
    const manager = createTaskQueueManager({
      adapter: bullmqAdapter({ connection: REDIS_URL, prefix }), // the one changed line
      concurrency: 1,
      handlers: recordingHandlers(executed),
    });
    const onBullmq = await runWorkload(manager, LegacyTaskStatus);

    expect(executed).toEqual(expectedExecutionOrder());
    expect(executed).toEqual(memoryExecuted);
    expect(onBullmq).toEqual(onMemory);
  });
});
