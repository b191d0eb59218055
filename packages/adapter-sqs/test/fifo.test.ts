/** FIFO mode on fauxqs: strict order within a message group, groups run side by side. */
import { redisStore, sqsQueueName } from '@switchyard/adapter-sqs';
import type { Lease, QueueAdapter } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { toWrite } from '../src/records.js';
import { newRecord } from '../src/transitions.js';
import { keyPrefixOf, REDIS_URL } from './conformance-adapter.js';
import {
  dropUsedPrefixes,
  eventually,
  newJob,
  newPrefix,
  recordingLogger,
  startedAdapter,
} from './support.js';

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
    expect(sqsQueueName(prefix, 'work', true)).toBe(`${prefix}-work-p0.fifo`);
  });
});

describe('sqs FIFO mode: doorbells that were never sent', () => {
  it('a job stored but never rung (its sender died) is rung again by the sweep and runs once', async () => {
    const prefix = newPrefix();
    const logger = recordingLogger();
    const adapter = await startedAdapter(prefix, { fifo: true, doorbellSweepIntervalMs: 200 }, { logger });
    open.push(adapter);
    // Stored as an enqueue would, marked unrung, but no message was sent: the sender died in between.
    const store = redisStore({ url: REDIS_URL, keyPrefix: keyPrefixOf(prefix) });
    const orphan = newJob({ payload: 'orphan' });
    await store.insertJobs([{ ...toWrite(newRecord(orphan, Date.now())), unrungSince: Date.now() }]);
    await store.close();
    const leases: Lease[] = [];
    const consumer = adapter.consume(['work'], { concurrency: 1, leaseDurationMs: 5_000 }, async (lease) => {
      leases.push(lease);
      await lease.complete(undefined);
    });
    await eventually(async () => (leases.length === 1 ? true : undefined), 5_000, 'the orphan to run');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await consumer.stop();
    expect(leases.map((lease) => lease.job.id)).toEqual([orphan.id]);
    expect(adapter.doorbells.restored).toBe(1);
    expect(
      logger.lines.some((line) => line.level === 'warn' && /never confirmed sent/.test(line.msg ?? '')),
    ).toBe(true);
  });

  it('a job whose doorbell was sent is not rung again, however long it waits', async () => {
    const prefix = newPrefix();
    const adapter = await startedAdapter(prefix, { fifo: true, doorbellSweepIntervalMs: 100 });
    open.push(adapter);
    const job = newJob({ payload: 'waits' });
    await adapter.enqueue([job]);
    // Several sweeps pass before anyone consumes.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(adapter.apiCalls.SendMessageBatch).toBe(1);
    expect(adapter.apiCalls.SendMessage ?? 0).toBe(0);
    expect(adapter.doorbells.restored).toBe(0);
    const leases: Lease[] = [];
    const consumer = adapter.consume(['work'], { concurrency: 1, leaseDurationMs: 5_000 }, async (lease) => {
      leases.push(lease);
      await lease.complete(undefined);
    });
    await eventually(async () => (leases.length === 1 ? true : undefined), 5_000, 'the job to run');
    await consumer.stop();
    expect(leases[0]!.job).toMatchObject({ id: job.id, attempt: 1 });
  });
});
