/**
 * Type-checked only (tsc -p tsconfig.json), never run: what a TypeScript user writes against the
 * published declarations. Every `@ts-expect-error` must meet a real error, or tsc fails on it.
 */
import { memoryAdapter } from '@switchyard/adapter-memory';
import {
  createSwitchyard,
  defineTask,
  type JobRecord,
  type ShutdownSignal,
  type TaskInput,
  type TaskResult,
} from '@switchyard/core';
import { z } from 'zod';

const resizeImage = defineTask({
  name: 'resize-image',
  queue: 'images',
  schema: z.object({ url: z.url(), width: z.number().int().positive(), format: z.enum(['png', 'webp']) }),
  handler: async ({ url, width, format }, ctx) => {
    const inferredWidth: number = width;
    // @ts-expect-error the payload type comes from the schema: `format` is 'png' | 'webp', not a number
    const wrongFormat: number = format;
    ctx.signal.throwIfAborted();
    return { url, width: inferredWidth, format, wrongFormat };
  },
});

// The payload and result types are inferred from the zod schema and the handler.
const input: TaskInput<typeof resizeImage> = {
  url: 'https://example.com/cat.png',
  width: 640,
  format: 'webp',
};
type Resized = TaskResult<typeof resizeImage>;
const resized: Resized = { url: input.url, width: 640, format: 'png', wrongFormat: 0 };

const yard = createSwitchyard({ adapter: memoryAdapter(), tasks: [resizeImage] });
await yard.start();
const worker = yard.createWorker({ queues: ['images'], concurrency: 2 });

const signals: ShutdownSignal[] = ['SIGTERM', 'SIGINT'];
const removeListeners = worker.stopOnSignals({ signals, timeout: '10s' });
// @ts-expect-error SIGKILL cannot be caught, so it is not a shutdown signal
worker.stopOnSignals({ signals: ['SIGKILL'] });
removeListeners();

const { id } = await yard.enqueue(resizeImage, input, { priority: 1, delay: '5s' });
await yard.enqueue(resizeImage, { url: 'https://example.com/dog.png', width: 320, format: 'png' });
// @ts-expect-error width must be a number
await yard.enqueue(resizeImage, { url: 'https://example.com/dog.png', width: '320', format: 'png' });
// @ts-expect-error format is required
await yard.enqueue(resizeImage, { url: 'https://example.com/dog.png', width: 320 });
// @ts-expect-error 'gif' is not one of the schema's formats (the payload never widens the task's input type)
await yard.enqueue(resizeImage, { url: 'https://example.com/dog.gif', width: 320, format: 'gif' });
// @ts-expect-error 'gif' is not one of the schema's formats
await yard.enqueueMany(resizeImage, [{ url: 'https://example.com/a.gif', width: 1, format: 'gif' }]);

const job: JobRecord = await yard.jobs.waitFor(id, { timeout: '30s' });

export { job, resized };
