/**
 * `jobs.bulk` on real Redis: each action, the state re-check that skips jobs changed since
 * they were listed, and what the bulk script leaves in BullMQ's and the adapter's keys
 * (read back raw). Plus a bulk retry through a yard while a worker processes the jobs.
 */
import { createSwitchyard, defineTask, type Lease } from '@switchyard/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { eventually, type Harness, newJob, startHarness } from './harness.js';
import { requireRedis } from './redis-required.js';

beforeAll(requireRedis);

let h: Harness | undefined;
afterEach(async () => {
  const current = h;
  h = undefined;
  await current?.close();
});

/** Runs every job of `queue` through `settle`, until `count` leases were settled. */
async function settleAll(
  harness: Harness,
  count: number,
  settle: (lease: Lease) => Promise<void>,
  queue = 'default',
): Promise<void> {
  let settled = 0;
  const consumer = harness.adapter.consume(
    [queue],
    { concurrency: 50, leaseDurationMs: 30_000 },
    async (lease) => {
      await settle(lease);
      settled++;
    },
  );
  await eventually(() => settled >= count, `${count} settled leases`);
  await consumer.stop();
}

const failure = { name: 'Error', message: 'boom' };

describe('bullmq bulk', () => {
  it('retry: failed and cancelled jobs go back to pending with a fresh budget; changed ones are skipped', async () => {
    h = await startHarness();
    const jobs = Array.from({ length: 6 }, () => newJob());
    await h.adapter.enqueue(jobs);
    await settleAll(h, 6, (lease) =>
      lease.job.id === jobs[5]?.id ? lease.cancelled() : lease.fail(failure),
    );
    const listed = await h.adapter.jobs.list({ states: ['failed', 'cancelled'], limit: 10, scanLimit: 100 });
    expect(listed.jobs).toHaveLength(6);
    // Between listing and the bulk call: one is retried by someone else, one removed.
    const retriedMeanwhile = jobs[0]?.id as string;
    const removedMeanwhile = jobs[1]?.id as string;
    await h.adapter.jobs.retry(retriedMeanwhile);
    await h.adapter.jobs.remove(removedMeanwhile);
    const outcome = await h.adapter.jobs.bulk(
      listed.jobs.map((job) => job.id),
      'retry',
      ['failed', 'cancelled'],
    );
    expect(outcome.requested).toEqual([]);
    expect(new Set(outcome.changed)).toEqual(new Set(jobs.slice(2).map((job) => job.id)));
    for (const job of jobs.slice(2)) {
      const record = await h.adapter.jobs.get(job.id);
      expect(record).toMatchObject({ state: 'pending', attempt: 0 });
      expect(record?.error).toBeUndefined();
      expect(record?.finishedAt).toBeUndefined();
    }
    expect(await h.adapter.jobs.get(removedMeanwhile)).toBeNull();
    // Backdoor: in BullMQ's prioritized set, out of failed, markers cleared.
    const base = `${h.prefix}:default:`;
    for (const job of jobs.slice(2)) {
      expect(await h.raw.zscore(`${base}prioritized`, job.id)).not.toBeNull();
      expect(await h.raw.zscore(`${base}failed`, job.id)).toBeNull();
    }
    expect(await h.raw.zcard(`${h.prefix}::sy:cancelled:default`)).toBe(0);
    expect(await h.raw.zcard(`${h.prefix}::sy:failed:default`)).toBe(0);
    expect(await h.adapter.jobs.counts()).toMatchObject({ pending: 5, failed: 0, cancelled: 0 });
    // They run again.
    await settleAll(h, 5, (lease) => lease.complete('again'));
    expect((await h.adapter.jobs.counts()).completed).toBe(5);
  });

  it('cancel: waiting jobs are cancelled, a running one gets a cancel request, finished ones are skipped', async () => {
    h = await startHarness();
    const scheduled = newJob({ runAt: new Date(Date.now() + 3_600_000) });
    const pending = newJob({ uniqueKey: 'only-one' });
    const running = newJob({ queue: 'busy' });
    const done = newJob({ queue: 'busy' });
    await h.adapter.enqueue([scheduled, pending, done]);
    await settleAll(h, 1, (lease) => lease.complete(null), 'busy');
    await h.adapter.enqueue([running]);
    let held: Lease | undefined;
    const consumer = h.adapter.consume(
      ['busy'],
      { concurrency: 1, leaseDurationMs: 30_000 },
      async (lease) => {
        held = lease;
      },
    );
    const lease = await eventually(() => held, 'the running lease');
    const ids = [scheduled.id, pending.id, running.id, done.id];
    const outcome = await h.adapter.jobs.bulk(ids, 'cancel', ['scheduled', 'pending', 'retrying', 'running']);
    expect(new Set(outcome.changed)).toEqual(new Set([scheduled.id, pending.id]));
    expect(outcome.requested).toEqual([running.id]);
    expect((await h.adapter.jobs.get(scheduled.id))?.state).toBe('cancelled');
    expect((await h.adapter.jobs.get(pending.id))?.state).toBe('cancelled');
    expect((await h.adapter.jobs.get(done.id))?.state).toBe('completed');
    expect((await h.adapter.jobs.get(running.id))?.cancelRequested).toBe(true);
    await lease.heartbeat();
    expect(lease.signal.aborted).toBe(true);
    await lease.cancelled();
    await consumer.stop();
    expect(await h.adapter.jobs.counts()).toMatchObject({
      cancelled: 3,
      completed: 1,
      scheduled: 0,
      pending: 0,
    });
    // The unique key is free again.
    expect(await h.adapter.enqueue([newJob({ uniqueKey: 'only-one' })])).toMatchObject([
      { status: 'created' },
    ]);
  });

  it('remove: deletes the jobs, their index entries and markers; a job outside onlyIn stays', async () => {
    h = await startHarness();
    const jobs = Array.from({ length: 4 }, (_, index) => newJob({ uniqueKey: `k${index}` }));
    await h.adapter.enqueue(jobs);
    await settleAll(h, 4, (lease) => (lease.job.id === jobs[3]?.id ? lease.complete(1) : lease.cancelled()));
    const outcome = await h.adapter.jobs.bulk(
      jobs.map((job) => job.id),
      'remove',
      ['cancelled'],
    );
    expect(new Set(outcome.changed)).toEqual(new Set(jobs.slice(0, 3).map((job) => job.id)));
    const base = `${h.prefix}:default:`;
    for (const job of jobs.slice(0, 3)) {
      expect(await h.raw.exists(`${base}${job.id}`)).toBe(0);
      expect(await h.raw.zscore(`${base}failed`, job.id)).toBeNull();
    }
    expect(await h.raw.zrange(`${h.prefix}::sy:ids:default`, 0, -1)).toEqual([jobs[3]?.id]);
    expect(await h.raw.zcard(`${h.prefix}::sy:cancelled:default`)).toBe(0);
    expect((await h.adapter.jobs.get(jobs[3]?.id as string))?.state).toBe('completed');
    expect(await h.adapter.jobs.counts()).toMatchObject({ cancelled: 0, completed: 1 });
  });

  it('remove of a running job (when asked for explicitly) takes the job from its holder', async () => {
    h = await startHarness();
    const job = newJob();
    await h.adapter.enqueue([job]);
    let held: Lease | undefined;
    const consumer = h.adapter.consume(
      ['default'],
      { concurrency: 1, leaseDurationMs: 30_000 },
      async (lease) => {
        held = lease;
      },
    );
    const lease = await eventually(() => held, 'the lease');
    expect(await h.adapter.jobs.remove(job.id)).toBe(false);
    expect(await h.adapter.jobs.bulk([job.id], 'remove', ['running'])).toEqual({
      changed: [job.id],
      requested: [],
    });
    expect(await h.adapter.jobs.get(job.id)).toBeNull();
    await lease.heartbeat();
    expect(lease.signal.aborted).toBe(true);
    await lease.complete('late');
    await consumer.stop();
    expect(await h.adapter.jobs.get(job.id)).toBeNull();
  });

  it('ignores unknown ids and empty input', async () => {
    h = await startHarness();
    await h.adapter.enqueue([newJob()]);
    expect(await h.adapter.jobs.bulk([], 'remove', ['pending'])).toEqual({ changed: [], requested: [] });
    expect(await h.adapter.jobs.bulk([newJob().id], 'remove', ['pending'])).toEqual({
      changed: [],
      requested: [],
    });
  });

  it('through a yard: a bulk retry of failed jobs while a worker runs them all', async () => {
    h = await startHarness();
    let failing = true;
    const task = defineTask({
      name: 'flaky',
      schema: z.object({ n: z.number() }),
      retry: { attempts: 1 },
      handler: async () => {
        if (failing) throw new Error('not yet');
        return 'ok';
      },
    });
    const yard = createSwitchyard({ adapter: h.adapter, tasks: [task], publishEvents: false });
    await yard.start();
    const worker = yard.createWorker({ concurrency: 20, scheduler: false });
    await worker.start();
    await yard.enqueueMany(
      task,
      Array.from({ length: 300 }, (_, n) => ({ n })),
    );
    await eventually(async () => (await yard.jobs.counts()).failed === 300, '300 failed jobs');
    failing = false;
    const progress = await yard.jobs.bulk({
      filter: { state: 'failed', task: 'flaky' },
      action: 'retry',
      batchSize: 50,
    });
    expect(progress).toMatchObject({ matched: 300, changed: 300, skipped: 0 });
    await eventually(async () => (await yard.jobs.counts()).completed === 300, '300 completed jobs', 15_000);
    await worker.stop();
    await yard.close();
  });
});
