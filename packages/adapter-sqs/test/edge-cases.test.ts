/** SQS edge cases on fauxqs and Redis: long waits and hops, foreign messages, corrupt records, limits, retention. */
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { sqsQueueName } from '@switchyard/adapter-sqs';
import { MalformedJobError, ManualClock, PayloadTooLargeError, SwitchyardError } from '@switchyard/core';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { keyPrefixOf, REDIS_URL } from './conformance-adapter.js';
import {
  eventually,
  LeaseInbox,
  newJob,
  newPrefix,
  queueAttributes,
  recordingLogger,
  startedAdaptersClosedAfterEach,
  testClient,
} from './support.js';

const LEASE = { concurrency: 1, leaseDurationMs: 1_000 };
const adapterFor = startedAdaptersClosedAfterEach();

describe('sqs edge cases', () => {
  it('a job not due yet is hidden until due, 12 h at most per receive, keeping its message', async () => {
    const prefix = newPrefix();
    // The producer's clock runs ahead, so its jobs are due for it but far in the future for the consumer.
    const now = Date.now();
    const producer = await adapterFor(prefix, {}, { clock: new ManualClock(now + 13 * 3_600_000) });
    const consumerSide = await adapterFor(prefix, {}, { clock: new ManualClock(now) });
    const farJob = newJob({ runAt: new Date(now + 13 * 3_600_000) }, now);
    const nearJob = newJob({ queue: 'near', runAt: new Date(now + 2 * 3_600_000) }, now);
    await producer.enqueue([farJob, nearJob]);
    const inbox = new LeaseInbox();
    const consumer = consumerSide.consume(['work', 'near'], LEASE, inbox.onLease);
    await eventually(
      async () => ((consumerSide.apiCalls.ChangeMessageVisibility ?? 0) >= 2 ? true : undefined),
      5_000,
      'two visibility changes',
    );
    await consumer.stop();
    expect(inbox.waiting).toBe(0);
    expect(consumerSide.apiCalls.SendMessage ?? 0).toBe(0);
    for (const queue of ['work', 'near']) {
      const { attributes } = await queueAttributes(sqsQueueName(prefix, queue, 1));
      expect(attributes.ApproximateNumberOfMessagesNotVisible).toBe('1');
    }
    expect((await consumerSide.jobs.get(farJob.id))!.state).toBe('pending');
  });

  it('a wait that would outlive maxMessageAgeSeconds hops to a fresh message delayed 15 minutes', async () => {
    const prefix = newPrefix();
    const now = Date.now();
    const producer = await adapterFor(prefix, {}, { clock: new ManualClock(now + 3_600_000) });
    const consumerSide = await adapterFor(
      prefix,
      { maxMessageAgeSeconds: 600 },
      { clock: new ManualClock(now) },
    );
    const job = newJob({ runAt: new Date(now + 3_600_000) }, now);
    await producer.enqueue([job]);
    const inbox = new LeaseInbox();
    const consumer = consumerSide.consume(['work'], LEASE, inbox.onLease);
    await eventually(
      async () => ((consumerSide.apiCalls.DeleteMessage ?? 0) >= 1 ? true : undefined),
      5_000,
      'a hop',
    );
    await consumer.stop();
    expect(consumerSide.apiCalls.SendMessage).toBe(1);
    const { attributes } = await queueAttributes(sqsQueueName(prefix, 'work', 1));
    expect(attributes.ApproximateNumberOfMessagesDelayed).toBe('1');
    expect(attributes.ApproximateNumberOfMessagesNotVisible).toBe('0');
  });

  it('foreign and non-JSON messages go to the dead-letter queue; the worker goes on', async () => {
    const prefix = newPrefix();
    const client = await testClient();
    const { QueueUrl: dlq } = await client.send(new CreateQueueCommand({ QueueName: `${prefix}-dlq` }));
    const logger = recordingLogger();
    const adapter = await adapterFor(prefix, { deadLetterQueueUrl: dlq! }, { logger });
    const job = newJob();
    await adapter.enqueue([job]);
    const url = (await queueAttributes(sqsQueueName(prefix, 'work', 1))).url;
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'not json at all' }));
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: '{"order":42}' }));
    const inbox = new LeaseInbox();
    const consumer = adapter.consume(['work'], { ...LEASE, concurrency: 3 }, inbox.onLease);
    const lease = await inbox.next();
    expect(lease.job.id).toBe(job.id);
    await lease.complete(undefined);
    inbox.finish(lease);
    const dead = await eventually(
      async () => {
        const { Messages } = await client.send(
          new ReceiveMessageCommand({ QueueUrl: dlq!, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        return Messages && Messages.length === 2 ? Messages.map((message) => message.Body).sort() : undefined;
      },
      5_000,
      'two dead-lettered messages',
    );
    expect(dead).toEqual(['not json at all', '{"order":42}']);
    await consumer.stop();
    expect(
      logger.lines.filter((line) => line.level === 'warn' && /not a Switchyard job/.test(line.msg ?? '')),
    ).toHaveLength(2);
  });

  it('without a dead-letter queue a foreign message is logged and deleted', async () => {
    const prefix = newPrefix();
    const client = await testClient();
    const logger = recordingLogger();
    const adapter = await adapterFor(prefix, {}, { logger });
    const url = (await queueAttributes(sqsQueueName(prefix, 'work', 1))).url;
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: '<xml/>' }));
    const consumer = adapter.consume(['work'], LEASE, new LeaseInbox().onLease);
    await eventually(async () => (logger.lines.some((line) => line.level === 'warn') ? true : undefined));
    await consumer.stop();
    await eventually(async () => {
      const { attributes } = await queueAttributes(sqsQueueName(prefix, 'work', 1));
      return attributes.ApproximateNumberOfMessages === '0' &&
        attributes.ApproximateNumberOfMessagesNotVisible === '0'
        ? true
        : undefined;
    });
  });

  it('a corrupt record is delivered as a malformed lease that fails the job', async () => {
    const prefix = newPrefix();
    const adapter = await adapterFor(prefix);
    const job = newJob();
    await adapter.enqueue([job]);
    const redis = new Redis(REDIS_URL);
    try {
      await redis.hset(`${keyPrefixOf(prefix)}:job:${job.id}`, 'data', '{broken');
    } finally {
      redis.disconnect();
    }
    expect(await adapter.jobs.get(job.id)).toMatchObject({ id: job.id, state: 'pending', task: 'test-task' });
    const inbox = new LeaseInbox();
    const consumer = adapter.consume(['work'], LEASE, inbox.onLease);
    const lease = await inbox.next();
    expect(lease.malformed).toBeInstanceOf(MalformedJobError);
    expect(lease.malformed!.message).toContain(job.id);
    await lease.fail({ name: 'MalformedJobError', message: lease.malformed!.message, code: 'MALFORMED_JOB' });
    inbox.finish(lease);
    await consumer.stop();
    expect(await adapter.jobs.get(job.id)).toMatchObject({
      state: 'failed',
      error: { code: 'MALFORMED_JOB' },
    });
  });

  it('refuses a payload over maxPayloadBytes with PayloadTooLargeError and stores nothing', async () => {
    const adapter = await adapterFor(newPrefix(), { maxPayloadBytes: 1_000 });
    expect(adapter.capabilities.maxPayloadBytes).toBe(1_000);
    const job = newJob({ payload: 'x'.repeat(2_000) });
    const error = await adapter.enqueue([job]).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(await adapter.jobs.get(job.id)).toBeNull();
  });

  it('retention removes finished jobs once their time is up (on the injected clock)', async () => {
    const clock = new ManualClock(Date.now());
    const adapter = await adapterFor(
      newPrefix(),
      { retentionSweepIntervalMs: 1_000 },
      {
        clock,
        retention: { completedMs: 60_000 },
      },
    );
    const job = newJob({}, clock.now());
    await adapter.enqueue([job]);
    const inbox = new LeaseInbox();
    const consumer = adapter.consume(['work'], LEASE, inbox.onLease);
    const lease = await inbox.next();
    await lease.complete(undefined);
    inbox.finish(lease);
    await consumer.stop();
    await clock.advance(30_000);
    expect(await adapter.jobs.get(job.id)).not.toBeNull();
    await clock.advance(31_000);
    await eventually(
      async () => ((await adapter.jobs.get(job.id)) === null ? true : undefined),
      5_000,
      'removal',
    );
  });

  it('an unreachable Redis fails start() with a message naming REDIS_URL', async () => {
    const { redisStore, sqsAdapter } = await import('@switchyard/adapter-sqs');
    const adapter = sqsAdapter({
      client: await testClient(),
      store: redisStore({ url: 'redis://127.0.0.1:1' }),
    });
    const error = await adapter
      .start({ clock: new ManualClock(), logger: recordingLogger(), retention: {} })
      .catch((thrown: unknown) => thrown);
    expect(SwitchyardError.hasCode(error, 'ADAPTER_ERROR')).toBe(true);
    expect((error as Error).message).toMatch(/REDIS_URL/);
    await adapter.close();
  });

  it('an unreachable SQS endpoint fails the run with a message naming SQS_ENDPOINT', async () => {
    const { assertServicesReachable, sqsClient } = await import('./conformance-adapter.js');
    const endpoint = 'http://127.0.0.1:1';
    const error = await assertServicesReachable(sqsClient(endpoint), endpoint).catch(
      (thrown: unknown) => thrown,
    );
    expect((error as Error).message).toMatch(/SQS_ENDPOINT=http:\/\/127\.0\.0\.1:1.*fauxqs/);
  });
});
