/** `adapter.queues`: pause flags live in the store, so every worker process sees them. */
import type { QueueControl } from '@switchyard/core';
import type { AdapterRuntime } from './runtime.js';

/** Builds `adapter.queues`. Consumers read the flags once per receive cycle and skip paused queues. */
export function createQueueControl(runtime: AdapterRuntime): QueueControl {
  const { records } = runtime;
  const store = () => runtime.options.store;
  return {
    pause: (queue) => records.call('pause a queue', () => store().setQueuePaused(queue, true)),
    resume: (queue) => records.call('resume a queue', () => store().setQueuePaused(queue, false)),
    isPaused: async (queue) =>
      (await records.call('read pause flags', () => store().pausedQueues())).has(queue),
    list: () => records.call('list queues', () => store().listQueues()),
  };
}
