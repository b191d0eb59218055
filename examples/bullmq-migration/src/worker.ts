/**
 * The migrated consumer: a Switchyard worker on the same Redis, prefix and queue. `foreignJobs`
 * makes the plain BullMQ jobs of `images` run as the `resize-image` task; the task's schema
 * validates the producer's data like any Switchyard payload.
 */
import { bullmqAdapter } from '@switchyard/adapter-bullmq';
import { createSwitchyard, defineTask, type Logger } from '@switchyard/core';
import { z } from 'zod';

/** The task the plain `resize` jobs become (payload = the BullMQ job's `data`). */
export const resizeImage = defineTask({
  name: 'resize-image',
  queue: 'images',
  schema: z.object({ url: z.url(), width: z.number().int().positive().default(256) }),
  handler: async ({ url, width }, ctx) => {
    await ctx.progress({ step: 'resizing' });
    // A real handler would fetch and resize the image here.
    return { thumbnail: `${url}?w=${width}`, attempt: ctx.attempt };
  },
});

/** The Switchyard side: a yard whose adapter accepts plain BullMQ jobs on `images`. */
export function createImageYard(options: { redisUrl: string; prefix: string; logger?: Logger }) {
  return createSwitchyard({
    adapter: bullmqAdapter({
      connection: options.redisUrl,
      prefix: options.prefix,
      foreignJobs: { images: { task: 'resize-image' } },
    }),
    tasks: [resizeImage],
    ...(options.logger ? { logger: options.logger } : {}),
  });
}
