/**
 * Switchyard on the memory adapter, driven through the same `QueueUnderTest`
 * shape as the peers. No event listeners are attached (events cost), and the
 * worker's schedule loop is off (no schedules exist; peers have none either).
 */

import type { StandardSchemaV1 } from '@standard-schema/spec';
import { memoryAdapter } from '@switchyard/adapter-memory';
import { createSwitchyard, defineTask } from '@switchyard/core';
import type { BenchPayload, QueueFactory, QueueUnderTest } from '../peers/queue-under-test.ts';

/**
 * A pass-through Standard Schema: the bench measures the queue, not zod. With a
 * real schema, validation runs twice per job (at enqueue and before the handler).
 */
export const passThroughSchema: StandardSchemaV1<BenchPayload, BenchPayload> = {
  '~standard': {
    version: 1,
    vendor: 'switchyard-bench',
    validate: (value) => ({ value: value as BenchPayload }),
  },
};

/** How often to look at the job counts while waiting for the last completions. */
const COUNT_POLL_MS = 1;

/** A fresh yard + memory adapter + paused worker. */
export const switchyardMemory: QueueFactory = async ({ concurrency, handler }) => {
  const task = defineTask({
    name: 'bench-noop',
    schema: passThroughSchema,
    handler: (payload) => handler(payload),
  });
  const yard = createSwitchyard({ adapter: memoryAdapter(), tasks: [task] });
  await yard.start();
  const worker = yard.createWorker({ concurrency, scheduler: false });

  const underTest: QueueUnderTest = {
    async add(payload, priority) {
      await yard.enqueue(task, payload, { priority });
    },
    async addBatch(payloads, priority) {
      await yard.enqueueMany(task, payloads, { priority });
    },
    async start() {
      await worker.start();
    },
    async completedAtLeast(count) {
      // Polls the O(1) counters instead of listening to `job:completed`, which would cost per job.
      while ((await yard.jobs.counts()).completed < count) {
        await new Promise((resolve) => setTimeout(resolve, COUNT_POLL_MS));
      }
    },
    async close() {
      await yard.close();
    },
  };
  return underTest;
};
