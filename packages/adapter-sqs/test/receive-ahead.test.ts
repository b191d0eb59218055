/** Receiving ahead of free slots: messages wait for a slot briefly, then go back unclaimed. */
import type { QueueAdapter } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { dropUsedPrefixes, eventually, LeaseInbox, newJob, newPrefix, startedAdapter } from './support.js';

const open: QueueAdapter[] = [];
afterEach(async (context) => {
  await Promise.all(open.splice(0).map((adapter) => adapter.close()));
  await dropUsedPrefixes(!context.task.result?.errors?.length);
});

describe('sqs receive-ahead', () => {
  it('messages received ahead are given back unclaimed after a quarter lease, then run once slots free', async () => {
    // One job per message: a message whose jobs all wait can go back as a whole.
    const adapter = await startedAdapter(newPrefix(), { jobsPerMessage: 1 });
    open.push(adapter);
    const jobs = Array.from({ length: 4 }, (_, n) => newJob({ payload: { n } }));
    await adapter.enqueue(jobs);
    const inbox = new LeaseInbox();
    const consumer = adapter.consume(['work'], { concurrency: 2, leaseDurationMs: 1_000 }, inbox.onLease);
    const first = [await inbox.next(), await inbox.next()];
    // Both slots stay held past 250 ms (a quarter of the lease): the two received ahead go back.
    await eventually(
      async () => ((adapter.apiCalls.ChangeMessageVisibilityBatch ?? 0) >= 1 ? true : undefined),
      3_000,
      'the messages received ahead to be given back',
    );
    const receivesAfterGiveBack = adapter.apiCalls.ReceiveMessage ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 300));
    // While the slots stay held it does not receive (and give back) again and again.
    expect(adapter.apiCalls.ReceiveMessage ?? 0).toBeLessThanOrEqual(receivesAfterGiveBack + 1);
    const leasedIds = new Set(first.map((lease) => lease.job.id));
    for (const job of jobs.filter((candidate) => !leasedIds.has(candidate.id))) {
      expect(await adapter.jobs.get(job.id)).toMatchObject({ state: 'pending', attempt: 0 });
    }
    expect(inbox.waiting).toBe(0);
    for (const lease of first) {
      await lease.complete(undefined);
      inbox.finish(lease);
    }
    const rest = [await inbox.next(), await inbox.next()];
    expect(rest.map((lease) => [lease.job.attempt, lease.redelivered])).toEqual([
      [1, false],
      [1, false],
    ]);
    for (const lease of rest) {
      await lease.complete(undefined);
      inbox.finish(lease);
    }
    await consumer.stop();
    for (const job of jobs)
      expect(await adapter.jobs.get(job.id)).toMatchObject({ state: 'completed', attempt: 1 });
  });
});
