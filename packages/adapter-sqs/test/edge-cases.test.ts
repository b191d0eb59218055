/** SQS edge cases on fauxqs and Redis: long waits and hops, foreign messages, corrupt records, limits, retention. */
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
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
  sqsQueueOf,
  startedAdaptersClosedAfterEach,
  testClient,
} from './support.js';

const LEASE = { concurrency: 1, leaseDurationMs: 1_000 };
const adapterFor = startedAdaptersClosedAfterEach();

describe('sqs edge cases', () => {
  it('FIFO: a job not due yet is hidden until due, 12 h at most per receive, keeping its message', async () => {
    const prefix = newPrefix();
    const options = { fifo: true };
    // The producer's clock runs ahead, so its jobs are due for it but far in the future for the consumer.
    const now = Date.now();
    const producer = await adapterFor(prefix, options, { clock: new ManualClock(now + 13 * 3_600_000) });
    const consumerSide = await adapterFor(prefix, options, { clock: new ManualClock(now) });
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
      const { attributes } = await queueAttributes(sqsQueueOf(prefix, queue, 'fifo'));
      expect(attributes.ApproximateNumberOfMessagesNotVisible).toBe('1');
    }
    expect((await consumerSide.jobs.get(farJob.id))!.state).toBe('pending');
  });

  it("strict: a delayed job's ticket that arrives early is hidden until the job is due, 12 h at most per receive", async () => {
    const prefix = newPrefix();
    const now = Date.now();
    // Each producer's clock runs ahead: its job is due in a second for it (a ticket delayed 1 s),
    // but 13 h (2 h) away for the consumer.
    const farProducer = await adapterFor(prefix, {}, { clock: new ManualClock(now + 13 * 3_600_000) });
    const nearProducer = await adapterFor(prefix, {}, { clock: new ManualClock(now + 2 * 3_600_000) });
    const consumerSide = await adapterFor(prefix, {}, { clock: new ManualClock(now) });
    const farJob = newJob({ runAt: new Date(now + 13 * 3_600_000 + 1_000) }, now);
    const nearJob = newJob({ queue: 'near', runAt: new Date(now + 2 * 3_600_000 + 1_000) }, now);
    await farProducer.enqueue([farJob]);
    await nearProducer.enqueue([nearJob]);
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
      const { attributes } = await queueAttributes(sqsQueueOf(prefix, queue));
      expect(attributes.ApproximateNumberOfMessagesNotVisible).toBe('1');
    }
    expect((await consumerSide.jobs.get(farJob.id))!.state).toBe('scheduled');
  });

  it('a wait that would outlive maxMessageAgeSeconds hops to a fresh message delayed 15 minutes', async () => {
    const prefix = newPrefix();
    const now = Date.now();
    // Due in a second for the producer (its own ticket, delayed 1 s), in an hour for the consumer.
    const producer = await adapterFor(prefix, {}, { clock: new ManualClock(now + 3_600_000) });
    const consumerSide = await adapterFor(
      prefix,
      { maxMessageAgeSeconds: 600 },
      { clock: new ManualClock(now) },
    );
    const job = newJob({ runAt: new Date(now + 3_600_000 + 1_000) }, now);
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
    const { attributes } = await queueAttributes(sqsQueueOf(prefix));
    expect(attributes.ApproximateNumberOfMessagesDelayed).toBe('1');
    expect(attributes.ApproximateNumberOfMessagesNotVisible).toBe('0');
  });

  it('FIFO: a wait that would outlive maxMessageAgeSeconds keeps the message hidden for the rest of its life (a hop would come straight back)', async () => {
    const prefix = newPrefix();
    const now = Date.now();
    const producer = await adapterFor(prefix, { fifo: true }, { clock: new ManualClock(now + 3_600_000) });
    const consumerSide = await adapterFor(
      prefix,
      { fifo: true, maxMessageAgeSeconds: 600 },
      { clock: new ManualClock(now) },
    );
    await producer.enqueue([newJob({ runAt: new Date(now + 3_600_000) }, now)]);
    const inbox = new LeaseInbox();
    const consumer = consumerSide.consume(['work'], LEASE, inbox.onLease);
    await eventually(
      async () => ((consumerSide.apiCalls.ChangeMessageVisibility ?? 0) >= 1 ? true : undefined),
      5_000,
      'the message to be hidden',
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    await consumer.stop();
    expect(consumerSide.apiCalls.SendMessage ?? 0).toBe(0);
    expect(consumerSide.apiCalls.DeleteMessage ?? 0).toBe(0);
    const { attributes } = await queueAttributes(sqsQueueOf(prefix, 'work', 'fifo'));
    expect(attributes.ApproximateNumberOfMessagesNotVisible).toBe('1');
  });

  it('foreign and non-JSON messages go to the dead-letter queue; the worker goes on', async () => {
    const prefix = newPrefix();
    const client = await testClient();
    const { QueueUrl: dlq } = await client.send(new CreateQueueCommand({ QueueName: `${prefix}-dlq` }));
    const logger = recordingLogger();
    const adapter = await adapterFor(prefix, { deadLetterQueueUrl: dlq! }, { logger });
    const job = newJob();
    await adapter.enqueue([job]);
    const url = (await queueAttributes(sqsQueueOf(prefix))).url;
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
    const url = (await queueAttributes(sqsQueueOf(prefix))).url;
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: '<xml/>' }));
    const consumer = adapter.consume(['work'], LEASE, new LeaseInbox().onLease);
    await eventually(async () =>
      logger.lines.some((line) => line.level === 'warn' && /not a Switchyard job/.test(line.msg ?? ''))
        ? true
        : undefined,
    );
    await consumer.stop();
    await eventually(async () => {
      const { attributes } = await queueAttributes(sqsQueueOf(prefix));
      return attributes.ApproximateNumberOfMessages === '0' &&
        attributes.ApproximateNumberOfMessagesNotVisible === '0'
        ? true
        : undefined;
    });
  });

  for (const mode of ['fifo', 'standard'] as const) {
    it(`${mode}: a message naming a job the store does not have is logged at warn, counted and deleted`, async () => {
      const prefix = newPrefix();
      const client = await testClient();
      const logger = recordingLogger();
      const adapter = await adapterFor(prefix, { fifo: mode === 'fifo' }, { logger });
      const url = (await queueAttributes(sqsQueueOf(prefix, 'work', mode))).url;
      const body =
        mode === 'fifo' ? '{"v":1,"id":"no-such-job","g":1}' : '{"v":3,"n":1,"id":"no-such-job","g":1}';
      await client.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: body,
          ...(mode === 'fifo' ? { MessageGroupId: 'g', MessageDeduplicationId: 'd' } : {}),
        }),
      );
      const inbox = new LeaseInbox();
      const consumer = adapter.consume(['work'], LEASE, inbox.onLease);
      await eventually(
        async () => {
          const { attributes } = await queueAttributes(sqsQueueOf(prefix, 'work', mode));
          return attributes.ApproximateNumberOfMessages === '0' &&
            attributes.ApproximateNumberOfMessagesNotVisible === '0'
            ? true
            : undefined;
        },
        5_000,
        'the message to be deleted',
      );
      await consumer.stop();
      expect(inbox.waiting).toBe(0);
      expect(adapter.doorbells.unknownJob).toBe(1);
      const warned = logger.lines.filter(
        (line) => line.level === 'warn' && /does not have/.test(line.msg ?? ''),
      );
      expect(warned).toEqual([
        expect.objectContaining({ obj: expect.objectContaining({ jobId: 'no-such-job' }) }),
      ]);
    });
  }

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
      .start({
        clock: new ManualClock(),
        logger: recordingLogger(),
        retention: {},
        historyRetentionMs: 60_000,
      })
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
