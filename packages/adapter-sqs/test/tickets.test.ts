/**
 * Strict ordering on fauxqs and Redis: messages are tickets, the store's ready index picks the
 * job (priority, then runAt, then enqueue order). Surplus tickets find nothing and are deleted,
 * duplicate tickets run no job twice, handed-back tickets need no new message, and the sweep
 * restores tickets that were never sent or were lost.
 */
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { redisStore } from '@switchyard/adapter-sqs';
import type { Lease } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { toWrite } from '../src/records.js';
import { newRecord } from '../src/transitions.js';
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

const adapterFor = startedAdaptersClosedAfterEach();

/** Takes `count` leases in the order they start, completing each. */
async function runInOrder(inbox: LeaseInbox, count: number): Promise<Lease[]> {
  const leases: Lease[] = [];
  for (let n = 0; n < count; n++) {
    const lease = await inbox.next(8_000);
    leases.push(lease);
    await lease.complete(undefined);
    inbox.finish(lease);
  }
  return leases;
}

/** Resolves once the SQS queue holds no message at all (visible, in flight or delayed). */
async function queueDrained(prefix: string): Promise<void> {
  await eventually(
    async () => {
      const { attributes } = await queueAttributes(sqsQueueOf(prefix));
      const left =
        Number(attributes.ApproximateNumberOfMessages) +
        Number(attributes.ApproximateNumberOfMessagesNotVisible) +
        Number(attributes.ApproximateNumberOfMessagesDelayed);
      return left === 0 ? true : undefined;
    },
    8_000,
    'every message to be deleted',
  );
}

describe('sqs strict ordering (tickets)', () => {
  it('runs jobs by priority, then runAt, then enqueue order, whatever the messages; due jobs of one call share tickets', async () => {
    const prefix = newPrefix();
    const adapter = await adapterFor(prefix);
    const now = Date.now();
    const label = (payload: string, priority: number, runAt = now) =>
      newJob({ payload, priority, runAt: new Date(runAt) }, now);
    await adapter.enqueue([label('p5-a', 5), label('p9', 9), label('p1-a', 1)]);
    await adapter.enqueue([label('p1-b', 1)]);
    await adapter.enqueue([label('p5-early', 5, now - 1_000), label('p0', 0), label('p5-b', 5)]);
    expect(adapter.apiCalls.SendMessageBatch).toBe(3);
    const { attributes } = await queueAttributes(sqsQueueOf(prefix));
    expect(attributes.ApproximateNumberOfMessages).toBe('3');
    const inbox = new LeaseInbox();
    const consumer = adapter.consume(['work'], { concurrency: 1, leaseDurationMs: 5_000 }, inbox.onLease);
    const leases = await runInOrder(inbox, 7);
    await consumer.stop();
    expect(leases.map((lease) => lease.job.payload)).toEqual([
      'p0',
      'p1-a',
      'p1-b',
      'p5-early',
      'p5-a',
      'p5-b',
      'p9',
    ]);
    expect(leases.every((lease) => lease.job.attempt === 1 && !lease.redelivered)).toBe(true);
    await queueDrained(prefix);
  });

  it('at concurrency 4, leases start in strict order too', async () => {
    const prefix = newPrefix();
    const adapter = await adapterFor(prefix);
    const jobs = Array.from({ length: 12 }, (_, n) => newJob({ payload: n, priority: 9 - (n % 10) }));
    await adapter.enqueue(jobs);
    const started: number[] = [];
    const inbox = new LeaseInbox();
    const consumer = adapter.consume(['work'], { concurrency: 4, leaseDurationMs: 5_000 }, (lease) => {
      started.push(lease.job.payload as number);
      return inbox.onLease(lease);
    });
    await runInOrder(inbox, 12);
    await consumer.stop();
    const expected = jobs
      .map((job, index) => ({ payload: job.payload as number, priority: job.priority, index }))
      .sort((a, b) => a.priority - b.priority || a.index - b.index)
      .map(({ payload }) => payload);
    expect(started).toEqual(expected);
  });

  it('a delayed job takes its place once due, before its own ticket arrives; that ticket then runs the job whose ticket it took', async () => {
    const prefix = newPrefix();
    const adapter = await adapterFor(prefix);
    const now = Date.now();
    const urgent = newJob({ payload: 'urgent-later', priority: 0, runAt: new Date(now + 300) }, now);
    await adapter.enqueue([urgent]);
    await adapter.enqueue(['a', 'b', 'c'].map((payload) => newJob({ payload })));
    // Its own ticket is delayed a whole second (SQS counts seconds); the job is due after 300 ms.
    await new Promise((resolve) => setTimeout(resolve, 400));
    const inbox = new LeaseInbox();
    const consumer = adapter.consume(['work'], { concurrency: 1, leaseDurationMs: 5_000 }, inbox.onLease);
    const leases = await runInOrder(inbox, 4);
    expect(leases.map((lease) => lease.job.payload)).toEqual(['urgent-later', 'a', 'b', 'c']);
    await queueDrained(prefix);
    await consumer.stop();
    // Four tickets for four jobs: none was surplus.
    expect(adapter.doorbells.emptyTickets).toBe(0);
    expect(inbox.waiting).toBe(0);
  });

  it('tickets of cancelled jobs find nothing: their messages are deleted and nothing runs', async () => {
    const prefix = newPrefix();
    const adapter = await adapterFor(prefix);
    const jobs = [newJob(), newJob(), newJob()];
    await adapter.enqueue(jobs);
    for (const job of jobs) expect(await adapter.jobs.cancel(job.id)).toBe('cancelled');
    const inbox = new LeaseInbox();
    const consumer = adapter.consume(['work'], { concurrency: 2, leaseDurationMs: 5_000 }, inbox.onLease);
    await queueDrained(prefix);
    await consumer.stop();
    expect(inbox.waiting).toBe(0);
    expect(adapter.doorbells.emptyTickets).toBe(3);
  });

  it('duplicate tickets run no job twice; the surplus is deleted', async () => {
    const prefix = newPrefix();
    const adapter = await adapterFor(prefix);
    const jobs = Array.from({ length: 5 }, (_, n) => newJob({ payload: n }));
    await adapter.enqueue(jobs);
    // As if SQS delivered the ticket message again, and a restore sent more.
    const client = await testClient();
    const { url } = await queueAttributes(sqsQueueOf(prefix));
    for (const body of ['{"v":3,"n":5}', '{"v":3,"n":3}', '{"v":3,"n":1}']) {
      await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
    }
    const inbox = new LeaseInbox();
    const consumer = adapter.consume(['work'], { concurrency: 3, leaseDurationMs: 5_000 }, inbox.onLease);
    const leases = await runInOrder(inbox, 5);
    await queueDrained(prefix);
    await consumer.stop();
    expect(new Set(leases.map((lease) => lease.job.id)).size).toBe(5);
    expect(leases.every((lease) => lease.job.attempt === 1)).toBe(true);
    expect(inbox.waiting).toBe(0);
    for (const job of jobs) expect(await adapter.jobs.get(job.id)).toMatchObject({ state: 'completed' });
  });

  it('release and a retry due now hand their ticket back (no new message); a retry with backoff gets a ticket of its own', async () => {
    const prefix = newPrefix();
    const adapter = await adapterFor(prefix);
    const [released, dueRetry, laterRetry] = ['released', 'due-retry', 'later-retry'].map((payload) =>
      newJob({ payload }),
    );
    await adapter.enqueue([released!, dueRetry!, laterRetry!]);
    const inbox = new LeaseInbox();
    const consumer = adapter.consume(['work'], { concurrency: 3, leaseDurationMs: 5_000 }, inbox.onLease);
    const first = [await inbox.next(), await inbox.next(), await inbox.next()];
    const sentBefore = (adapter.apiCalls.SendMessage ?? 0) + (adapter.apiCalls.SendMessageBatch ?? 0);
    const retryAt = new Date(Date.now() + 1_000);
    for (const lease of first) {
      if (lease.job.payload === 'released') await lease.release();
      else if (lease.job.payload === 'due-retry')
        await lease.retry(new Date(Date.now() - 1), { name: 'E', message: 'now' });
      else await lease.retry(retryAt, { name: 'E', message: 'later' });
      inbox.finish(lease);
    }
    const again = await runInOrder(inbox, 3);
    await consumer.stop();
    const sent = (adapter.apiCalls.SendMessage ?? 0) + (adapter.apiCalls.SendMessageBatch ?? 0) - sentBefore;
    expect(sent).toBe(1);
    const byPayload = new Map(again.map((lease) => [lease.job.payload, lease.job]));
    expect(byPayload.get('released')).toMatchObject({ attempt: 1 });
    expect(byPayload.get('due-retry')).toMatchObject({ attempt: 2 });
    expect(byPayload.get('later-retry')).toMatchObject({ attempt: 2 });
    expect(again.at(-1)!.job.payload).toBe('later-retry');
    expect(Date.now()).toBeGreaterThanOrEqual(retryAt.getTime());
    await queueDrained(prefix);
  });

  it('the sweep sends tickets for ready jobs whose tickets were never sent (a producer died in between)', async () => {
    const prefix = newPrefix();
    const logger = recordingLogger();
    const adapter = await adapterFor(prefix, { doorbellSweepIntervalMs: 200 }, { logger });
    // Stored as an enqueue would, but no message was sent: the producer died in between.
    const store = redisStore({ url: REDIS_URL, keyPrefix: keyPrefixOf(prefix) });
    const orphans = [newJob({ payload: 'o1', priority: 3 }), newJob({ payload: 'o2', priority: 1 })];
    await store.insertJobs(orphans.map((job) => toWrite(newRecord(job, Date.now()))));
    await store.close();
    const inbox = new LeaseInbox();
    const consumer = adapter.consume(['work'], { concurrency: 1, leaseDurationMs: 5_000 }, inbox.onLease);
    const leases = await runInOrder(inbox, 2);
    await consumer.stop();
    expect(leases.map((lease) => lease.job.payload)).toEqual(['o2', 'o1']);
    expect(adapter.doorbells.restored).toBe(2);
    expect(logger.lines.some((line) => line.level === 'warn' && /fresh tickets/.test(line.msg ?? ''))).toBe(
      true,
    );
    await queueDrained(prefix);
  });

  it('the sweep restores a ticket deleted outside the adapter; with tickets in flight it sends none', async () => {
    const prefix = newPrefix();
    const adapter = await adapterFor(prefix, { doorbellSweepIntervalMs: 200 });
    const client = await testClient();
    const { url } = await queueAttributes(sqsQueueOf(prefix));
    await adapter.enqueue([newJob({ payload: 'lost' })]);
    // Someone deletes the ticket by hand.
    const { Messages } = await client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }));
    expect(Messages).toHaveLength(1);
    await client.send(
      new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: Messages![0]!.ReceiptHandle! }),
    );
    const inbox = new LeaseInbox();
    const consumer = adapter.consume(['work'], { concurrency: 1, leaseDurationMs: 5_000 }, inbox.onLease);
    const [restored] = await runInOrder(inbox, 1);
    expect(restored!.job.payload).toBe('lost');
    expect(adapter.doorbells.restored).toBe(1);
    // Jobs with their tickets: the busy queue is claimed from, so no restore.
    await adapter.enqueue(Array.from({ length: 3 }, (_, n) => newJob({ payload: n })));
    await runInOrder(inbox, 3);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await consumer.stop();
    expect(adapter.doorbells.restored).toBe(1);
    expect(inbox.waiting).toBe(0);
  });
});
