/**
 * Any SQS producer feeding a Switchyard worker (`foreignJobs`): a plain `SendMessage` with the AWS SDK
 * to the adapter's SQS queue on fauxqs, an S3-style notification mapped by a function, and a message
 * its mapping cannot read, kept as a failed job with the raw body. Plus the pure mapping policy.
 */
import { type Message, SendMessageCommand } from '@aws-sdk/client-sqs';
import { redisStore, sqsAdapter } from '@switchyard/adapter-sqs';
import {
  createSwitchyard,
  defineTask,
  MalformedJobError,
  type Switchyard,
  silentLogger,
  systemClock,
} from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { foreignJobId, foreignNewJob, unreadableForeignJob } from '../src/foreign-jobs.js';
import { resolveOptions } from '../src/options.js';
import { keyPrefixOf, REDIS_URL } from './conformance-adapter.js';
import {
  dropUsedPrefixes,
  eventually,
  LeaseInbox,
  newPrefix,
  queueAttributes,
  recordingLogger,
  sqsQueueOf,
  testClient,
} from './support.js';

const resizeRuns: string[] = [];
const resizeImage = defineTask({
  name: 'resize-image',
  queue: 'images',
  schema: z.object({ url: z.url(), width: z.number().int().positive().default(128) }),
  retry: { attempts: 1 },
  handler: ({ url, width }) => {
    resizeRuns.push(url);
    return { thumbnail: `${url}?w=${width}` };
  },
});
const ingestUpload = defineTask({
  name: 'ingest-upload',
  queue: 'uploads',
  schema: z.object({ bucket: z.string(), key: z.string() }),
  retry: { attempts: 1 },
  handler: ({ bucket, key }) => ({ stored: `s3://${bucket}/${key}` }),
});

/** An S3 event notification's body, reduced to what the mapping reads. */
function s3Notification(bucket: string, key: string): string {
  return JSON.stringify({
    Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: bucket }, object: { key } } }],
  });
}

const closers: Array<() => Promise<unknown>> = [];
afterEach(async (context) => {
  for (const close of closers.splice(0).reverse()) await close();
  await dropUsedPrefixes(!context.task.result?.errors?.length);
});

describe('foreign SQS producers feeding a Switchyard worker (foreignJobs)', () => {
  it('a plain SendMessage runs the mapped task (schema applied); an S3 notification maps through a function; an unreadable one is kept failed', async () => {
    const prefix = newPrefix();
    const client = await testClient();
    const logger = recordingLogger();
    const adapter = sqsAdapter({
      client,
      store: redisStore({ url: REDIS_URL, keyPrefix: keyPrefixOf(prefix) }),
      queuePrefix: prefix,
      waitTimeSeconds: 1,
      queues: ['images', 'uploads'],
      foreignJobs: {
        images: { task: 'resize-image' },
        uploads: (message: Message) => {
          const record = JSON.parse(message.Body ?? '').Records[0];
          return {
            task: 'ingest-upload',
            payload: { bucket: record.s3.bucket.name, key: record.s3.object.key },
          };
        },
      },
    });
    const yard: Switchyard = createSwitchyard({
      adapter,
      tasks: [resizeImage, ingestUpload],
      publishEvents: false,
      logger,
    });
    await yard.start();
    closers.push(() => yard.close());
    const images = (await queueAttributes(sqsQueueOf(prefix, 'images'))).url;
    const uploads = (await queueAttributes(sqsQueueOf(prefix, 'uploads'))).url;

    const send = async (url: string, body: string, source?: string) =>
      (
        await client.send(
          new SendMessageCommand({
            QueueUrl: url,
            MessageBody: body,
            ...(source ? { MessageAttributes: { source: { DataType: 'String', StringValue: source } } } : {}),
          }),
        )
      ).MessageId as string;
    const good = await send(images, JSON.stringify({ url: 'https://example.com/cat.png' }));
    const invalid = await send(images, JSON.stringify({ url: 'not a url' }));
    const upload = await send(uploads, s3Notification('photos', 'a/b.jpg'));
    const garbage = await send(uploads, '<xml>not json</xml>', 'legacy-feed');

    const worker = yard.createWorker({ concurrency: 4, scheduler: false });
    await worker.start();
    closers.push(() => worker.stop());

    const idOf = (queue: string, messageId: string) => foreignJobId(queue, { MessageId: messageId });
    expect(await yard.jobs.waitFor(idOf('images', good), { timeout: '10s' })).toMatchObject({
      task: 'resize-image',
      queue: 'images',
      state: 'completed',
      payload: { url: 'https://example.com/cat.png' },
      result: { thumbnail: 'https://example.com/cat.png?w=128' },
      metadata: { sqsMessageId: good },
    });
    // Validated like any job: a payload the schema refuses fails without running the handler.
    expect(await yard.jobs.waitFor(idOf('images', invalid), { timeout: '10s' })).toMatchObject({
      state: 'failed',
      payload: { url: 'not a url' },
    });
    expect(resizeRuns).not.toContain('not a url');
    expect(await yard.jobs.waitFor(idOf('uploads', upload), { timeout: '10s' })).toMatchObject({
      task: 'ingest-upload',
      state: 'completed',
      result: { stored: 's3://photos/a/b.jpg' },
    });
    // The mapping threw: kept as a failed job holding the raw message, not deleted unseen.
    const kept = await yard.jobs.waitFor(idOf('uploads', garbage), { timeout: '10s' });
    expect(kept).toMatchObject({
      state: 'failed',
      task: 'sqs-foreign-message',
      payload: {
        body: '<xml>not json</xml>',
        messageId: garbage,
        attributes: { source: { DataType: 'String', StringValue: 'legacy-feed' } },
      },
      error: { name: 'MalformedJobError' },
    });
    expect(kept.error?.message).toMatch(/foreignJobs mapping of queue "uploads" threw/);
    // Every foreign message left its SQS queue.
    await eventually(async () => {
      for (const queue of ['images', 'uploads']) {
        const { attributes } = await queueAttributes(sqsQueueOf(prefix, queue));
        if (
          attributes.ApproximateNumberOfMessages !== '0' ||
          attributes.ApproximateNumberOfMessagesNotVisible !== '0'
        )
          return undefined;
      }
      return true;
    }, 5_000);
  });
});

describe('foreign messages on a FIFO queue', () => {
  it('a SendMessage with a group becomes a job; the mapping sees the group and the producer’s attributes', async () => {
    const prefix = newPrefix();
    const client = await testClient();
    const adapter = sqsAdapter({
      client,
      store: redisStore({ url: REDIS_URL, keyPrefix: keyPrefixOf(prefix) }),
      queuePrefix: prefix,
      waitTimeSeconds: 1,
      fifo: true,
      queues: ['orders'],
      foreignJobs: {
        orders: (message: Message) => ({
          task: 'ship-order',
          payload: JSON.parse(message.Body ?? 'null'),
          metadata: {
            groupId: message.Attributes?.MessageGroupId ?? 'none',
            source: message.MessageAttributes?.source?.StringValue ?? 'none',
          },
        }),
      },
    });
    await adapter.start({
      clock: systemClock,
      logger: silentLogger,
      retention: {},
      historyRetentionMs: 86_400_000,
    });
    closers.push(() => adapter.close());
    const url = (await queueAttributes(sqsQueueOf(prefix, 'orders', 'fifo'))).url;
    const sent = await client.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: JSON.stringify({ orderId: 'o-7' }),
        MessageGroupId: 'customer-1',
        MessageDeduplicationId: 'o-7',
        MessageAttributes: { source: { DataType: 'String', StringValue: 'checkout' } },
      }),
    );
    const inbox = new LeaseInbox();
    const consumer = adapter.consume(['orders'], { concurrency: 1, leaseDurationMs: 2_000 }, inbox.onLease);
    closers.push(() => consumer.stop());
    const lease = await inbox.next(10_000);
    expect(lease.malformed).toBeUndefined();
    expect(lease.job).toMatchObject({
      id: foreignJobId('orders', { MessageId: sent.MessageId }),
      task: 'ship-order',
      payload: { orderId: 'o-7' },
      metadata: { groupId: 'customer-1', source: 'checkout' },
    });
    await lease.complete('shipped');
    inbox.finish(lease);
    expect(await adapter.jobs.get(lease.job.id)).toMatchObject({ state: 'completed', result: 'shipped' });
  });
});

describe('foreign message mapping (pure)', () => {
  const message: Message = {
    MessageId: 'm-1',
    Body: '{"url":"https://example.com/a.png"}',
    Attributes: { SentTimestamp: '1000' },
  };

  it('{ task } parses a JSON body as payload; core defaults for priority and attempts; same message, same id', () => {
    expect(foreignNewJob({ task: 'resize-image' }, 'images', message, 5000)).toEqual({
      id: foreignJobId('images', message),
      task: 'resize-image',
      queue: 'images',
      payload: { url: 'https://example.com/a.png' },
      priority: 5,
      createdAt: new Date(1000),
      runAt: new Date(5000),
      maxAttempts: 3,
      metadata: { sqsMessageId: 'm-1' },
    });
    expect(foreignJobId('images', message)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(foreignJobId('images', { MessageId: 'm-1' })).toBe(foreignJobId('images', message));
    expect(foreignJobId('other', message)).not.toBe(foreignJobId('images', message));
    // A text body is the payload as it is.
    expect(
      foreignNewJob({ task: 't', maxAttempts: null }, 'q', { MessageId: 'm', Body: 'hello' }, 0),
    ).toMatchObject({
      payload: 'hello',
      maxAttempts: null,
    });
  });

  it('a throwing, empty or out-of-range mapping is malformed; the kept job holds the raw message', () => {
    for (const mapping of [
      () => {
        throw new Error('bad');
      },
      () => ({}) as never,
      () => ({ task: 't', payload: 1, priority: 10 }),
    ]) {
      expect(() => foreignNewJob(mapping, 'uploads', message, 0)).toThrow(MalformedJobError);
    }
    const { job, error } = unreadableForeignJob(
      { task: 'resize-image' },
      'images',
      message,
      new MalformedJobError('x'),
      7,
    );
    expect(job).toMatchObject({
      task: 'resize-image',
      payload: { body: message.Body, messageId: 'm-1', attributes: null },
      maxAttempts: 1,
    });
    expect(error).toEqual({ name: 'MalformedJobError', message: 'x' });
  });

  it('foreignJobs is checked at construction', async () => {
    const base = { client: await testClient(), store: redisStore({ url: REDIS_URL, keyPrefix: 'unused' }) };
    expect(() => resolveOptions({ ...base, foreignJobs: { images: { task: '' } } })).toThrow(
      /foreignJobs\["images"\]/,
    );
    expect(resolveOptions({ ...base, foreignJobs: { images: { task: 't' } } }).foreignJobs).toEqual({
      images: { task: 't' },
    });
  });
});
