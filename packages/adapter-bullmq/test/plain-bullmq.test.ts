/**
 * Plain BullMQ beside Switchyard on the same Redis and queues: plain producers feeding a
 * Switchyard worker (`foreignJobs`), and what a plain BullMQ Worker sees of Switchyard's jobs.
 */
import { defineTask } from '@switchyard/core';
import { type Job, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { eventually, startYardHarness, type YardHarness } from './harness.js';
import { REDIS_URL, requireRedis } from './redis-required.js';

beforeAll(requireRedis);

const resizeRuns: Array<{ url: string; width: number; attempt: number }> = [];
let resizeFailures = 0;
const resizeImage = defineTask({
  name: 'resize-image',
  queue: 'images',
  schema: z.object({ url: z.url(), width: z.number().int().positive().default(128) }),
  handler: ({ url, width }, ctx) => {
    resizeRuns.push({ url, width, attempt: ctx.attempt });
    if (resizeFailures > 0) {
      resizeFailures--;
      throw new Error('image service busy');
    }
    return { thumbnail: `${url}?w=${width}` };
  },
});

const notify = defineTask({
  name: 'notify',
  queue: 'events',
  schema: z.object({ user: z.string(), kind: z.string() }),
  retry: { attempts: 1 },
  handler: ({ user, kind }) => ({ notified: `${user}:${kind}` }),
});

const invoice = defineTask({
  name: 'invoice',
  schema: z.object({ orderId: z.string() }),
  retry: { attempts: 1 },
});

let h: YardHarness | undefined;
const closers: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await h?.close();
  h = undefined;
  resizeRuns.length = 0;
  resizeFailures = 0;
});

async function start(): Promise<YardHarness> {
  h = await startYardHarness([resizeImage, notify, invoice], {
    foreignJobs: {
      images: { task: 'resize-image' },
      // Several kinds of event in one queue: the BullMQ job name picks the payload.
      events: (job: Job) => ({ task: 'notify', payload: { user: job.data.userId, kind: job.name } }),
    },
  });
  return h;
}

describe('plain BullMQ producers feeding a Switchyard worker (foreignJobs)', () => {
  it('`queue.add(name, data)` runs the mapped task with data as payload; the producer sees the result', async () => {
    const harness = await start();
    const images = harness.queue('images');
    const events = new QueueEvents('images', {
      connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }),
      prefix: harness.prefix,
    });
    closers.push(() => events.close());
    await events.waitUntilReady();
    const added = await images.add('resize', { url: 'https://example.com/cat.png', width: 64 });
    await harness.worker({ queues: ['images'] });
    const result = await added.waitUntilFinished(events, 10_000);
    expect(result).toEqual({ thumbnail: 'https://example.com/cat.png?w=64' });
    // The same job seen through Switchyard: the mapped task, the producer's data as payload.
    const record = await harness.yard.jobs.get(String(added.id));
    expect(record).toMatchObject({
      task: 'resize-image',
      queue: 'images',
      state: 'completed',
      payload: { url: 'https://example.com/cat.png', width: 64 },
      result: { thumbnail: 'https://example.com/cat.png?w=64' },
    });
  });

  it('the payload goes through the task schema (defaults applied); the producer’s attempts and backoff count', async () => {
    const harness = await start();
    resizeFailures = 1;
    const added = await harness
      .queue('images')
      .add(
        'resize',
        { url: 'https://example.com/dog.png' },
        { attempts: 2, backoff: { type: 'fixed', delay: 10 } },
      );
    await harness.worker({ queues: ['images'] });
    const done = await harness.yard.jobs.waitFor(String(added.id), { timeout: '10s' });
    expect(done).toMatchObject({ state: 'completed', attempt: 2, maxAttempts: 2 });
    expect(resizeRuns).toEqual([
      { url: 'https://example.com/dog.png', width: 128, attempt: 1 },
      { url: 'https://example.com/dog.png', width: 128, attempt: 2 },
    ]);
  });

  it('a function mapping reads the BullMQ job (name, data) into task and payload', async () => {
    const harness = await start();
    const added = await harness.queue('events').add('signed-up', { userId: 'u-7' });
    await harness.worker({ queues: ['events'] });
    expect(await harness.yard.jobs.waitFor(String(added.id), { timeout: '10s' })).toMatchObject({
      task: 'notify',
      state: 'completed',
      payload: { user: 'u-7', kind: 'signed-up' },
      result: { notified: 'u-7:signed-up' },
    });
  });

  it('data the task schema refuses, or no mapping for the queue: failed without running, raw data kept', async () => {
    const harness = await start();
    const invalid = await harness.queue('images').add('resize', { url: 'not a url' });
    // BullMQ numbers each queue's jobs from 1: a unique jobId keeps ids unique across queues.
    const unmapped = await harness
      .queue('default')
      .add('invoice', { orderId: 'o-1' }, { jobId: 'invoice-o-1' });
    await harness.worker({ queues: ['images', 'default'] });
    expect(await harness.yard.jobs.waitFor(String(invalid.id), { timeout: '10s' })).toMatchObject({
      state: 'failed',
      error: { code: 'VALIDATION_FAILED' },
    });
    expect(await harness.yard.jobs.waitFor(String(unmapped.id), { timeout: '10s' })).toMatchObject({
      state: 'failed',
      error: { code: 'MALFORMED_JOB' },
    });
    expect(resizeRuns).toEqual([]);
    // BullMQ still holds exactly what the producer sent, for inspection or a fixed re-add.
    const kept = await harness.queue('default').getJob(String(unmapped.id));
    expect(kept?.data).toEqual({ orderId: 'o-1' });
    expect(kept?.failedReason).toMatch(/not written by Switchyard/);
    expect((await harness.queue('images').getJob(String(invalid.id)))?.data).toEqual({ url: 'not a url' });
  });
});

describe('what a plain BullMQ Worker sees of Switchyard jobs', () => {
  it('name = task, data = the envelope with the payload under `payload`, the same id and priority', async () => {
    const harness = await start();
    const { id } = await harness.yard.enqueue(
      invoice,
      { orderId: 'o-42' },
      { priority: 3, metadata: { tenant: 'acme' } },
    );
    const seen: Job[] = [];
    const worker = new Worker(
      'default',
      async (job) => {
        seen.push(job);
        return { invoiced: job.data.payload.orderId };
      },
      { connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }), prefix: harness.prefix },
    );
    closers.push(() => worker.close());
    await eventually(() => seen.length === 1, 'the plain worker to take the job');
    const [job] = seen;
    expect(job?.id).toBe(id);
    expect(job?.name).toBe('invoice');
    expect(job?.priority).toBe(3);
    expect(job?.data).toEqual({
      v: 1,
      payload: { orderId: 'o-42' },
      maxAttempts: 1,
      metadata: { tenant: 'acme' },
    });
    // What the plain worker returns is the Switchyard job's result.
    expect(await harness.yard.jobs.waitFor(id, { timeout: '10s' })).toMatchObject({
      state: 'completed',
      result: { invoiced: 'o-42' },
    });
  });

  it('a failure in a plain worker fails the Switchyard job (BullMQ retries only by its own `attempts`)', async () => {
    const harness = await start();
    const { id } = await harness.yard.enqueue(invoice, { orderId: 'o-43' });
    const worker = new Worker(
      'default',
      async () => {
        throw new Error('plain worker broke');
      },
      { connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }), prefix: harness.prefix },
    );
    closers.push(() => worker.close());
    expect(await harness.yard.jobs.waitFor(id, { timeout: '10s' })).toMatchObject({
      state: 'failed',
      error: { message: 'plain worker broke' },
    });
    // Switchyard's own retry puts it back for whoever consumes the queue.
    await worker.close();
    expect((await harness.yard.jobs.retry(id))?.state).toBe('pending');
  });
});
