/**
 * Strict ordering on fauxqs and Redis: SQS delays count whole seconds, so a delayed job's own
 * ticket is delayed rounded down and arrives up to a second early; the process that receives it
 * waits out the rest. The job never starts before its runAt, nor a rounded-up second after it
 * (which cost a rate-limited task a fifth of its throughput), and a consumer that stops while it
 * holds such a ticket gives it back at once.
 */
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

const adapterFor = startedAdaptersClosedAfterEach();

describe('sqs strict ordering: a ticket that arrives early', () => {
  it('runs its job at its runAt: never before, and not at the next whole second', async () => {
    const adapter = await adapterFor(newPrefix());
    const now = Date.now();
    // Due in 1.3 s: the ticket is delayed 1 s (rounded up it would be 2 s, 700 ms late).
    const runAt = new Date(now + 1_300);
    const job = newJob({ runAt }, now);
    await adapter.enqueue([job]);
    const inbox = new LeaseInbox();
    const consumer = adapter.consume(['work'], { concurrency: 2, leaseDurationMs: 5_000 }, inbox.onLease);
    const lease = await inbox.next(8_000);
    const startedAt = Date.now();
    await lease.complete(undefined);
    inbox.finish(lease);
    await consumer.stop();
    expect(lease.job.id).toBe(job.id);
    expect(startedAt).toBeGreaterThanOrEqual(runAt.getTime());
    expect(lease.job.startedAt!.getTime()).toBeGreaterThanOrEqual(runAt.getTime());
    expect(startedAt - runAt.getTime()).toBeLessThan(700);
  });

  it('a consumer that stops while holding an early ticket gives it back: another runs the job when due', async () => {
    const prefix = newPrefix();
    const adapter = await adapterFor(prefix);
    const now = Date.now();
    // Due in 1.9 s: the ticket arrives after 1 s and would be held for the rest.
    const runAt = new Date(now + 1_900);
    const job = newJob({ runAt }, now);
    await adapter.enqueue([job]);
    const first = new LeaseInbox();
    const stopping = adapter.consume(['work'], { concurrency: 2, leaseDurationMs: 5_000 }, first.onLease);
    // The first consumer received the ticket (in flight), before the job is due.
    await eventually(
      async () => {
        const { attributes } = await queueAttributes(sqsQueueOf(prefix));
        return attributes.ApproximateNumberOfMessagesNotVisible === '1' ? true : undefined;
      },
      5_000,
      'the ticket to be received',
    );
    expect(Date.now()).toBeLessThan(runAt.getTime());
    const stoppedAt = Date.now();
    await stopping.stop();
    const second = new LeaseInbox();
    const consumer = adapter.consume(['work'], { concurrency: 2, leaseDurationMs: 5_000 }, second.onLease);
    // Given back at once: well before the receive's 5 s visibility would have let it reappear.
    const lease = await second.next(4_000);
    expect(Date.now() - stoppedAt).toBeLessThan(4_000);
    expect(lease.job.id).toBe(job.id);
    expect(lease.job.startedAt!.getTime()).toBeGreaterThanOrEqual(runAt.getTime());
    await lease.complete(undefined);
    second.finish(lease);
    await consumer.stop();
  });
});
