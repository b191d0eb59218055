/** `queues`: BullMQ's global pause flag (stored in the queue's meta hash, so it survives restarts). */
import type { QueueControl } from '@switchyard/core';
import type { AdapterContext } from './context.js';
import { wrapErrors } from './errors.js';
import { knownQueuesKey } from './keys.js';

/** Builds the queue controls. */
export function createQueueControl(context: AdapterContext): QueueControl {
  const remember = (queue: string) => context.client.sadd(knownQueuesKey(context.prefix), queue);
  return {
    pause: (queue) =>
      wrapErrors('queues.pause', async () => {
        await remember(queue);
        await (await context.queue(queue)).pause();
      }),
    resume: (queue) =>
      wrapErrors('queues.resume', async () => {
        await (await context.queue(queue)).resume();
      }),
    isPaused: (queue) => wrapErrors('queues.isPaused', async () => (await context.queue(queue)).isPaused()),
    list: () => wrapErrors('queues.list', () => context.knownQueues()),
  };
}
