import { JobCancelledError, LeaseExpiredError } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import {
  eventually,
  LeaseInbox,
  newJob,
  newPrefix,
  queueAttributes,
  sqsQueueOf,
  startedAdaptersClosedAfterEach,
} from './support.js';

const LEASE = { concurrency: 1, leaseDurationMs: 1_000 };
const adapterFor = startedAdaptersClosedAfterEach();

describe('sqs delivery', () => {
  it('a job goes through store and SQS: lease, complete, message deleted, record completed', async () => {
    const prefix = newPrefix();
    const adapter = await adapterFor(prefix);
    const job = newJob();
    expect(await adapter.enqueue([job])).toEqual([{ status: 'created', id: job.id }]);
    const inbox = new LeaseInbox();
    const consumer = adapter.consume(['work'], LEASE, inbox.onLease);
    const lease = await inbox.next();
    expect(lease.job).toMatchObject({ id: job.id, state: 'running', attempt: 1 });
    expect(lease.redelivered).toBe(false);
    await lease.progress({ half: true });
    await lease.complete({ ok: 1 });
    inbox.finish(lease);
    await consumer.stop();
    expect(await adapter.jobs.get(job.id)).toMatchObject({
      state: 'completed',
      result: { ok: 1 },
      progress: { half: true },
    });
    await adapter.close();
    const { attributes } = await queueAttributes(sqsQueueOf(prefix));
    expect(attributes.ApproximateNumberOfMessages).toBe('0');
    expect(attributes.ApproximateNumberOfMessagesNotVisible).toBe('0');
  });
  it('a message whose holder lost its visibility timeout is redelivered with attempt + 1; the old lease changes nothing', async () => {
    const adapter = await adapterFor(newPrefix());
    const job = newJob();
    await adapter.enqueue([job]);
    const first = new LeaseInbox();
    const firstConsumer = adapter.consume(['work'], LEASE, first.onLease);
    const stale = await first.next();
    await firstConsumer.stop();
    // No heartbeat: after the 1 s visibility timeout the message is handed out again.
    const second = new LeaseInbox();
    const secondConsumer = adapter.consume(['work'], LEASE, second.onLease);
    const fresh = await second.next(5_000);
    expect(fresh.redelivered).toBe(true);
    expect(fresh.job.attempt).toBe(2);
    await stale.complete('too late');
    expect((await adapter.jobs.get(job.id))!.state).toBe('running');
    await stale.heartbeat();
    expect(stale.signal.aborted).toBe(true);
    expect(stale.signal.reason).toBeInstanceOf(LeaseExpiredError);
    await fresh.complete('on time');
    second.finish(fresh);
    first.finish(stale);
    await secondConsumer.stop();
    expect(await adapter.jobs.get(job.id)).toMatchObject({
      state: 'completed',
      result: 'on time',
      attempt: 2,
    });
  });

  it('cancel from another process aborts the running lease on its next heartbeat', async () => {
    const prefix = newPrefix();
    const worker = await adapterFor(prefix);
    const other = await adapterFor(prefix);
    const job = newJob();
    await other.enqueue([job]);
    const inbox = new LeaseInbox();
    const consumer = worker.consume(['work'], LEASE, inbox.onLease);
    const lease = await inbox.next();
    expect(await other.jobs.cancel(job.id)).toBe('requested');
    expect((await other.jobs.get(job.id))!.cancelRequested).toBe(true);
    await lease.heartbeat();
    expect(lease.signal.reason).toBeInstanceOf(JobCancelledError);
    await lease.cancelled();
    inbox.finish(lease);
    await consumer.stop();
    expect((await other.jobs.get(job.id))!.state).toBe('cancelled');
  });

  it('a job cancelled while pending is never delivered and its message is deleted', async () => {
    const prefix = newPrefix();
    const adapter = await adapterFor(prefix);
    const cancelled = newJob({ payload: 'cancelled' });
    const kept = newJob({ payload: 'kept' });
    await adapter.enqueue([cancelled, kept]);
    expect(await adapter.jobs.cancel(cancelled.id)).toBe('cancelled');
    const inbox = new LeaseInbox();
    const consumer = adapter.consume(['work'], { ...LEASE, concurrency: 2 }, inbox.onLease);
    const lease = await inbox.next();
    expect(lease.job.id).toBe(kept.id);
    await lease.complete(undefined);
    inbox.finish(lease);
    await eventually(
      async () => {
        const { attributes } = await queueAttributes(sqsQueueOf(prefix));
        return attributes.ApproximateNumberOfMessages === '0' &&
          attributes.ApproximateNumberOfMessagesNotVisible === '0'
          ? true
          : undefined;
      },
      5_000,
      "the cancelled job's message to be deleted",
    );
    await consumer.stop();
    expect(inbox.waiting).toBe(0);
  });

  it('release gives the job back at once with its attempt not counted; retry brings it back when due', async () => {
    const adapter = await adapterFor(newPrefix());
    const job = newJob();
    await adapter.enqueue([job]);
    const inbox = new LeaseInbox();
    const consumer = adapter.consume(['work'], LEASE, inbox.onLease);
    const first = await inbox.next();
    await first.release();
    inbox.finish(first);
    const second = await inbox.next(3_000);
    expect(second.job.attempt).toBe(1);
    expect(second.redelivered).toBe(false);
    const retryAt = new Date(Date.now() + 1_000);
    await second.retry(retryAt, { name: 'Error', message: 'try again' });
    inbox.finish(second);
    expect(await adapter.jobs.get(job.id)).toMatchObject({
      state: 'retrying',
      error: { message: 'try again' },
    });
    const third = await inbox.next(5_000);
    expect(Date.now()).toBeGreaterThanOrEqual(retryAt.getTime());
    expect(third.job.attempt).toBe(2);
    await third.complete(undefined);
    inbox.finish(third);
    await consumer.stop();
  });

  it('uniqueKey: a second unfinished job with the key is a duplicate; the key is free once the job finishes', async () => {
    const adapter = await adapterFor(newPrefix());
    const first = newJob({ uniqueKey: 'k' });
    const second = newJob({ uniqueKey: 'k' });
    expect(await adapter.enqueue([first, second])).toEqual([
      { status: 'created', id: first.id },
      { status: 'duplicate', id: second.id, existingJobId: first.id },
    ]);
    expect(await adapter.jobs.cancel(first.id)).toBe('cancelled');
    const third = newJob({ uniqueKey: 'k' });
    expect(await adapter.enqueue([third])).toEqual([{ status: 'created', id: third.id }]);
  });

  it('with jobsPerMessage 1: sends doorbells 10 per SendMessageBatch and deletes them in batches', async () => {
    const adapter = await adapterFor(newPrefix(), { jobsPerMessage: 1 });
    const jobs = Array.from({ length: 30 }, (_, n) => newJob({ payload: n }));
    await adapter.enqueue(jobs);
    expect(adapter.apiCalls.SendMessageBatch).toBe(3);
    const inbox = new LeaseInbox();
    const consumer = adapter.consume(['work'], { concurrency: 10, leaseDurationMs: 5_000 }, inbox.onLease);
    for (let n = 0; n < 30; n++) {
      const lease = await inbox.next();
      await lease.complete(undefined);
      inbox.finish(lease);
    }
    await consumer.stop();
    await adapter.close();
    expect(adapter.apiCalls.DeleteMessageBatch).toBeLessThan(30);
    expect(adapter.apiCalls.DeleteMessage ?? 0).toBe(0);
  });
});
