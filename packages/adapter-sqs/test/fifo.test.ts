/** FIFO mode on fauxqs: strict order within a message group, groups run side by side. */
import { SQSClient } from '@aws-sdk/client-sqs';
import { memoryStore, sqsAdapter, sqsQueueName } from '@switchyard/adapter-sqs';
import type { Lease, QueueAdapter } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { dropUsedPrefixes, eventually, newJob, newPrefix, startedAdapter } from './support.js';

const open: QueueAdapter[] = [];
afterEach(async (context) => {
  await Promise.all(open.splice(0).map((adapter) => adapter.close()));
  await dropUsedPrefixes(!context.task.result?.errors?.length);
});

describe('sqs FIFO mode', () => {
  it('runs each group in enqueue order, one at a time, while different groups run in parallel', async () => {
    const prefix = newPrefix();
    const adapter = await startedAdapter(prefix, { fifo: true });
    open.push(adapter);
    expect(adapter.capabilities.fifo).toBe(true);
    const jobs = [1, 2, 3, 4].flatMap((n) => [
      newJob({ payload: `a${n}`, metadata: { groupId: 'a' } }),
      newJob({ payload: `b${n}`, metadata: { groupId: 'b' } }),
    ]);
    await adapter.enqueue(jobs);
    const started: Record<string, string[]> = { a: [], b: [] };
    const running: Record<string, number> = { a: 0, b: 0 };
    let overlapWithinGroup = false;
    let overlapAcrossGroups = false;
    const consumer = adapter.consume(
      ['work'],
      { concurrency: 4, leaseDurationMs: 5_000 },
      async (lease: Lease) => {
        const group = lease.job.metadata.groupId!;
        running[group]!++;
        if (running[group]! > 1) overlapWithinGroup = true;
        if (running.a! > 0 && running.b! > 0) overlapAcrossGroups = true;
        started[group]!.push(String(lease.job.payload));
        await new Promise((resolve) => setTimeout(resolve, 60));
        running[group]!--;
        await lease.complete(undefined);
      },
    );
    await eventually(
      async () => (started.a!.length === 4 && started.b!.length === 4 ? true : undefined),
      10_000,
      'all eight jobs',
    );
    await consumer.stop();
    expect(started).toEqual({ a: ['a1', 'a2', 'a3', 'a4'], b: ['b1', 'b2', 'b3', 'b4'] });
    expect(overlapWithinGroup).toBe(false);
    expect(overlapAcrossGroups).toBe(true);
    expect(sqsQueueName(prefix, 'work', 0, true)).toBe(`${prefix}-work-p0.fifo`);
  });

  it('refuses priority bands in FIFO mode (order within a group comes first)', async () => {
    expect(() =>
      sqsAdapter({
        client: new SQSClient({ region: 'us-east-1' }),
        store: memoryStore(),
        fifo: true,
        priorityBands: 3,
      }),
    ).toThrow(/FIFO/);
  });
});
