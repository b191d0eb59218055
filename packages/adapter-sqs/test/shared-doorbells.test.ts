/** Shared doorbells (`jobsPerMessage`): one SQS message for several jobs due now, on fauxqs and Redis. */
import { SQSClient } from '@aws-sdk/client-sqs';
import { memoryStore, sqsAdapter, sqsQueueName } from '@switchyard/adapter-sqs';
import { InvalidOptionsError, type Lease } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { decodeDoorbells, encodeDoorbells } from '../src/codec.js';
import {
  eventually,
  LeaseInbox,
  newJob,
  newPrefix,
  queueAttributes,
  startedAdaptersClosedAfterEach,
} from './support.js';

const adapterFor = startedAdaptersClosedAfterEach();

/** Takes `count` leases from the inbox, settling each with `settle`. */
async function settleLeases(
  inbox: LeaseInbox,
  count: number,
  settle: (lease: Lease) => Promise<void>,
): Promise<Lease[]> {
  const leases: Lease[] = [];
  for (let n = 0; n < count; n++) {
    const lease = await inbox.next();
    await settle(lease);
    inbox.finish(lease);
    leases.push(lease);
  }
  return leases;
}

describe('sqs shared doorbells', () => {
  it('jobs due now share messages of jobsPerMessage ids; fewer slots than ids still runs each job once', async () => {
    const prefix = newPrefix();
    const adapter = await adapterFor(prefix, { jobsPerMessage: 10 });
    const jobs = Array.from({ length: 25 }, (_, n) => newJob({ payload: n }));
    await adapter.enqueue(jobs);
    expect(adapter.apiCalls.SendMessageBatch).toBe(1);
    const { attributes } = await queueAttributes(sqsQueueName(prefix, 'work', 1));
    expect(attributes.ApproximateNumberOfMessages).toBe('3');

    const inbox = new LeaseInbox();
    const consumer = adapter.consume(['work'], { concurrency: 3, leaseDurationMs: 5_000 }, inbox.onLease);
    const leases = await settleLeases(inbox, 25, (lease) => lease.complete(lease.job.payload));
    await consumer.stop();
    await adapter.close();
    expect(new Set(leases.map((lease) => lease.job.id)).size).toBe(25);
    expect(leases.every((lease) => lease.job.attempt === 1 && !lease.redelivered)).toBe(true);
    for (const job of jobs) expect(await adapter.jobs.get(job.id)).toMatchObject({ state: 'completed' });
    // One delete per message, batched; no job sent a message of its own.
    expect(adapter.apiCalls.DeleteMessage ?? 0).toBe(0);
    expect(adapter.apiCalls.DeleteMessageBatch).toBeLessThanOrEqual(3);
    expect(adapter.apiCalls.SendMessage ?? 0).toBe(0);
    const after = await queueAttributes(sqsQueueName(prefix, 'work', 1));
    expect(after.attributes.ApproximateNumberOfMessages).toBe('0');
    expect(after.attributes.ApproximateNumberOfMessagesNotVisible).toBe('0');
  });

  it('jobs waiting for a slot keep their partly running message hidden (extended, not given back)', async () => {
    const prefix = newPrefix();
    const adapter = await adapterFor(prefix, { jobsPerMessage: 10 });
    const jobs = Array.from({ length: 4 }, (_, n) => newJob({ payload: n }));
    await adapter.enqueue(jobs);
    const inbox = new LeaseInbox();
    const consumer = adapter.consume(['work'], { concurrency: 2, leaseDurationMs: 1_500 }, inbox.onLease);
    const first = [await inbox.next(), await inbox.next()];
    // Held past the 1.5 s lease without heartbeats: the consumer extends the message for the two waiting.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(adapter.apiCalls.ChangeMessageVisibility ?? 0).toBeGreaterThanOrEqual(1);
    expect(adapter.apiCalls.ChangeMessageVisibilityBatch ?? 0).toBe(0);
    expect(inbox.waiting).toBe(0);
    for (const lease of first) {
      await lease.complete(undefined);
      inbox.finish(lease);
    }
    const rest = await settleLeases(inbox, 2, (lease) => lease.complete(undefined));
    await consumer.stop();
    expect(rest.map((lease) => [lease.job.attempt, lease.redelivered])).toEqual([
      [1, false],
      [1, false],
    ]);
    for (const job of jobs)
      expect(await adapter.jobs.get(job.id)).toMatchObject({ state: 'completed', attempt: 1 });
    await adapter.close();
    const { attributes } = await queueAttributes(sqsQueueName(prefix, 'work', 1));
    expect(attributes.ApproximateNumberOfMessages).toBe('0');
    expect(attributes.ApproximateNumberOfMessagesNotVisible).toBe('0');
  });

  it('a job claimed ahead while a slot settles goes back unstarted when the consumer stops', async () => {
    const prefix = newPrefix();
    const adapter = await adapterFor(prefix, { jobsPerMessage: 10 });
    const jobs = Array.from({ length: 3 }, (_, n) => newJob({ payload: n }));
    await adapter.enqueue(jobs);
    const inbox = new LeaseInbox();
    const lease = { concurrency: 2, leaseDurationMs: 5_000 };
    const consumer = adapter.consume(['work'], lease, inbox.onLease);
    const [a, b] = [await inbox.next(), await inbox.next()];
    const third = jobs.find((job) => job.id !== a.job.id && job.id !== b.job.id)!;
    // Settling a's job claims the third ahead; a's slot stays held (not finished), so it waits.
    await a.complete(undefined);
    await eventually(
      async () => ((await adapter.jobs.get(third.id))?.state === 'running' ? true : undefined),
      3_000,
      'the third job to be claimed ahead',
    );
    expect(inbox.waiting).toBe(0);
    await consumer.stop();
    expect(await adapter.jobs.get(third.id)).toMatchObject({ state: 'pending', attempt: 0 });
    inbox.finish(a);
    await b.complete(undefined);
    inbox.finish(b);
    // The shared message comes back once a and b are settled; only the third runs again.
    const again = new LeaseInbox();
    const next = adapter.consume(['work'], lease, again.onLease);
    const rerun = await again.next();
    expect(rerun.job).toMatchObject({ id: third.id, attempt: 1 });
    expect(rerun.redelivered).toBe(false);
    await rerun.complete(undefined);
    again.finish(rerun);
    await next.stop();
    expect(again.waiting).toBe(0);
    await adapter.close();
    const { attributes } = await queueAttributes(sqsQueueName(prefix, 'work', 1));
    expect(attributes.ApproximateNumberOfMessages).toBe('0');
    expect(attributes.ApproximateNumberOfMessagesNotVisible).toBe('0');
  });

  it('delayed jobs keep a message each (their delay rides on it)', async () => {
    const prefix = newPrefix();
    const adapter = await adapterFor(prefix, { jobsPerMessage: 10 });
    const runAt = new Date(Date.now() + 60_000);
    await adapter.enqueue(Array.from({ length: 4 }, () => newJob({ runAt })));
    const { attributes } = await queueAttributes(sqsQueueName(prefix, 'work', 1));
    expect(attributes.ApproximateNumberOfMessagesDelayed).toBe('4');
  });

  it('a retried job moves to a message of its own (new generation); the others finish with the shared one', async () => {
    const prefix = newPrefix();
    const adapter = await adapterFor(prefix, { jobsPerMessage: 10 });
    const jobs = Array.from({ length: 3 }, (_, n) => newJob({ payload: n }));
    await adapter.enqueue(jobs);
    const inbox = new LeaseInbox();
    const consumer = adapter.consume(['work'], { concurrency: 3, leaseDurationMs: 5_000 }, inbox.onLease);
    const first = await settleLeases(inbox, 3, async (lease) => {
      if (lease.job.payload === 0)
        await lease.retry(new Date(Date.now() + 1_000), { name: 'E', message: 'again' });
      else if (lease.job.payload === 1) await lease.release();
      else await lease.complete('done');
    });
    expect(first.map((lease) => lease.job.attempt)).toEqual([1, 1, 1]);
    const again = await settleLeases(inbox, 2, (lease) => lease.complete('second time'));
    await consumer.stop();
    const byPayload = new Map(again.map((lease) => [lease.job.payload, lease.job]));
    // The retry counts an attempt, the release does not; neither is a redelivery.
    expect(byPayload.get(0)).toMatchObject({ attempt: 2 });
    expect(byPayload.get(1)).toMatchObject({ attempt: 1 });
    expect(again.every((lease) => !lease.redelivered)).toBe(true);
    for (const job of jobs) expect(await adapter.jobs.get(job.id)).toMatchObject({ state: 'completed' });
    expect(inbox.waiting).toBe(0);
    await adapter.close();
    const { attributes } = await queueAttributes(sqsQueueName(prefix, 'work', 1));
    expect(attributes.ApproximateNumberOfMessages).toBe('0');
    expect(attributes.ApproximateNumberOfMessagesNotVisible).toBe('0');
    expect(attributes.ApproximateNumberOfMessagesDelayed).toBe('0');
  });

  it('a holder that stops settling: the shared message comes back and only its unsettled jobs run again', async () => {
    const prefix = newPrefix();
    const holder = await adapterFor(prefix, { jobsPerMessage: 10 });
    const rescuer = await adapterFor(prefix, { jobsPerMessage: 10 });
    const jobs = Array.from({ length: 10 }, (_, n) => newJob({ payload: n }));
    await holder.enqueue(jobs);
    const held = new LeaseInbox();
    const lease = { concurrency: 10, leaseDurationMs: 1_000 };
    const holding = holder.consume(['work'], lease, held.onLease);
    const leases: Lease[] = [];
    for (let n = 0; n < 10; n++) leases.push(await held.next());
    for (const done of leases.slice(0, 4)) await done.complete('first holder');
    await holding.stop();
    // The other six are never settled nor heartbeaten: the message reappears after 1 s.
    const rescued = new LeaseInbox();
    const rescuing = rescuer.consume(['work'], lease, rescued.onLease);
    const second = await settleLeases(rescued, 6, (next) => next.complete('rescuer'));
    await rescuing.stop();
    expect(second.every((next) => next.redelivered && next.job.attempt === 2)).toBe(true);
    expect(new Set(second.map((next) => next.job.payload))).toEqual(new Set([4, 5, 6, 7, 8, 9]));
    expect(rescued.waiting).toBe(0);
    // The first holder's late settlement changes nothing.
    await leases[4]!.complete('too late');
    for (const job of jobs) {
      const record = await rescuer.jobs.get(job.id);
      expect(record).toMatchObject({
        state: 'completed',
        result: (job.payload as number) < 4 ? 'first holder' : 'rescuer',
      });
    }
    await eventually(
      async () => {
        const { attributes } = await queueAttributes(sqsQueueName(prefix, 'work', 1));
        return attributes.ApproximateNumberOfMessages === '0' &&
          attributes.ApproximateNumberOfMessagesNotVisible === '0'
          ? true
          : undefined;
      },
      5_000,
      'the shared message to be deleted',
    );
  });

  it('a paused queue hides the shared message; after resume every job runs once', async () => {
    const prefix = newPrefix();
    const adapter = await adapterFor(prefix, { jobsPerMessage: 10 });
    await adapter.queues.pause('work');
    const jobs = Array.from({ length: 5 }, (_, n) => newJob({ payload: n }));
    await adapter.enqueue(jobs);
    const inbox = new LeaseInbox();
    const consumer = adapter.consume(['work'], { concurrency: 5, leaseDurationMs: 5_000 }, inbox.onLease);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(inbox.waiting).toBe(0);
    await adapter.queues.resume('work');
    const leases = await settleLeases(inbox, 5, (lease) => lease.complete(undefined));
    await consumer.stop();
    expect(new Set(leases.map((lease) => lease.job.id)).size).toBe(5);
    expect(leases.every((lease) => lease.job.attempt === 1)).toBe(true);
  });

  it('a job cancelled while pending is skipped; the shared message still goes once the rest finish', async () => {
    const prefix = newPrefix();
    const adapter = await adapterFor(prefix, { jobsPerMessage: 10 });
    const jobs = Array.from({ length: 3 }, (_, n) => newJob({ payload: n }));
    await adapter.enqueue(jobs);
    expect(await adapter.jobs.cancel(jobs[1]!.id)).toBe('cancelled');
    const inbox = new LeaseInbox();
    const consumer = adapter.consume(['work'], { concurrency: 3, leaseDurationMs: 5_000 }, inbox.onLease);
    const leases = await settleLeases(inbox, 2, (lease) => lease.complete(undefined));
    await consumer.stop();
    expect(leases.map((lease) => lease.job.payload).sort()).toEqual([0, 2]);
    await adapter.close();
    const { attributes } = await queueAttributes(sqsQueueName(prefix, 'work', 1));
    expect(attributes.ApproximateNumberOfMessages).toBe('0');
    expect(attributes.ApproximateNumberOfMessagesNotVisible).toBe('0');
  });
});

describe('shared doorbell codec and options', () => {
  it('round-trips several ids; one id keeps the single-job form; malformed lists are foreign', () => {
    const doorbells = [
      { id: 'a', generation: 1 },
      { id: 'b', generation: 2 },
    ];
    expect(decodeDoorbells(encodeDoorbells(doorbells))).toEqual(doorbells);
    expect(JSON.parse(encodeDoorbells([{ id: 'a', generation: 1 }]))).toEqual({ v: 1, id: 'a', g: 1 });
    expect(decodeDoorbells('{"v":2,"j":[]}')).toBeNull();
    expect(decodeDoorbells('{"v":2,"j":[["a","1"]]}')).toBeNull();
    expect(decodeDoorbells('{"v":2,"j":"a"}')).toBeNull();
    expect(decodeDoorbells('{"v":3,"j":[["a",1]]}')).toBeNull();
  });

  it('rejects a bad jobsPerMessage, and more than one job per message in FIFO mode', () => {
    const client = new SQSClient({ region: 'us-east-1' });
    expect(() => sqsAdapter({ client, store: memoryStore(), jobsPerMessage: 0 })).toThrow(
      InvalidOptionsError,
    );
    expect(() => sqsAdapter({ client, store: memoryStore(), jobsPerMessage: 101 })).toThrow(/jobsPerMessage/);
    expect(() => sqsAdapter({ client, store: memoryStore(), fifo: true, jobsPerMessage: 10 })).toThrow(
      /FIFO/,
    );
    expect(() => sqsAdapter({ client, store: memoryStore(), fifo: true, jobsPerMessage: 1 })).not.toThrow();
  });
});
