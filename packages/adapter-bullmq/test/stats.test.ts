/**
 * Queue statistics (`stats.queues`, `jobs.counts`) and the id index sweep on real Redis:
 * counts per state including the marker-based splits, the pause flag, the oldest pending
 * job, and the sweep dropping what BullMQ deleted behind the adapter's back.
 */
import type { Lease } from '@switchyard/core';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AdapterContext } from '../src/context.js';
import { IndexSweeper, SWEEP_ENTRIES_PER_TICK } from '../src/index-sweep.js';
import { resolveOptions } from '../src/options.js';
import { OLDEST_EXACT_LIMIT } from '../src/stats.js';
import { eventually, type Harness, newJob, startHarness } from './harness.js';
import { REDIS_URL, requireRedis } from './redis-required.js';

beforeAll(requireRedis);

let h: Harness | undefined;
afterEach(async () => {
  const current = h;
  h = undefined;
  await current?.close();
});

const failure = { name: 'Error', message: 'boom' };

/** Settles `count` leases of `queue` with `settle`. */
async function settleAll(
  harness: Harness,
  queue: string,
  count: number,
  settle: (lease: Lease) => Promise<void>,
) {
  let settled = 0;
  const consumer = harness.adapter.consume(
    [queue],
    { concurrency: 20, leaseDurationMs: 30_000 },
    async (lease) => {
      await settle(lease);
      settled++;
    },
  );
  await eventually(() => settled >= count, `${count} settled leases`);
  await consumer.stop();
}

describe('bullmq stats.queues', () => {
  it('counts every state per queue, with the pause flag', async () => {
    h = await startHarness();
    const work = Array.from({ length: 8 }, () => newJob({ queue: 'work' }));
    await h.adapter.enqueue(work);
    // 2 completed, 2 failed, 2 cancelled, 2 retrying.
    await settleAll(h, 'work', 8, (lease) => {
      const index = work.findIndex((job) => job.id === lease.job.id);
      if (index < 2) return lease.complete(null);
      if (index < 4) return lease.fail(failure);
      if (index < 6) return lease.cancelled();
      return lease.retry(new Date(Date.now() + 3_600_000), failure);
    });
    await h.adapter.enqueue([
      newJob({ queue: 'work', runAt: new Date(Date.now() + 3_600_000) }),
      newJob({ queue: 'work' }),
      newJob({ queue: 'idle' }),
    ]);
    await h.adapter.queues.pause('idle');
    const snapshots = await h.adapter.stats.queues();
    expect(snapshots.map((snapshot) => [snapshot.queue, snapshot.paused])).toEqual([
      ['idle', true],
      ['work', false],
    ]);
    expect(snapshots[1]?.counts).toEqual({
      scheduled: 1,
      pending: 1,
      running: 0,
      retrying: 2,
      completed: 2,
      failed: 2,
      cancelled: 2,
    });
    expect(snapshots[0]?.counts.pending).toBe(1);
    expect(await h.adapter.jobs.counts()).toMatchObject({ pending: 2, retrying: 2, cancelled: 2 });
    // The splits agree with a raw reading of each job.
    expect(await h.raw.zcard(`${h.prefix}:work:failed`)).toBe(4);
    expect(await h.raw.zcard(`${h.prefix}:work:delayed`)).toBe(3);
  });

  it('a marker of a job that moved on does not count', async () => {
    h = await startHarness();
    const job = newJob();
    await h.adapter.enqueue([job]);
    await settleAll(h, 'default', 1, (lease) => lease.cancelled());
    expect((await h.adapter.jobs.counts()).cancelled).toBe(1);
    // Retried by a BullMQ tool that knows nothing of the adapter: the marker stays behind.
    await h.adapter.jobs.retry(job.id);
    await h.raw.zadd(`${h.prefix}::sy:cancelled:default`, 0, job.id);
    expect(await h.adapter.jobs.counts()).toMatchObject({ pending: 1, cancelled: 0, failed: 0 });
    // A retrying job whose attempt was given back (released) is pending, not retrying.
    await settleAll(h, 'default', 1, (lease) => lease.retry(new Date(Date.now() + 3_600_000), failure));
    expect(await h.adapter.jobs.counts()).toMatchObject({ retrying: 1, scheduled: 0 });
  });

  it('oldestPendingAt is the earliest runAt of a pending job, whatever the enqueue order', async () => {
    h = await startHarness();
    const now = Date.now();
    const recent = newJob({ createdAt: new Date(now - 60_000), runAt: new Date(now - 60_000) });
    const older = newJob({
      createdAt: new Date(now - 3_600_000),
      runAt: new Date(now - 3_600_000),
      priority: 9,
    });
    const future = newJob({ runAt: new Date(now + 3_600_000) });
    await h.adapter.enqueue([recent]);
    await h.adapter.enqueue([older, future]);
    const [snapshot] = await h.adapter.stats.queues();
    expect(snapshot?.oldestPendingAt).toEqual(older.createdAt);
    await h.adapter.enqueue([newJob({ queue: 'empty', runAt: new Date(now + 3_600_000) })]);
    const empty = (await h.adapter.stats.queues()).find((entry) => entry.queue === 'empty');
    expect(empty?.oldestPendingAt).toBeNull();
  });

  it('a delayed job promoted early counts as runnable now, a retried one from its retry time', async () => {
    h = await startHarness();
    const harness = h;
    const now = Date.now();
    const delayed = newJob({ createdAt: new Date(now - 1000), runAt: new Date(now + 3_600_000) });
    await harness.adapter.enqueue([delayed]);
    // Promoted early by a BullMQ tool: pending, and runnable since (at the latest) now, not in an hour.
    const queue = new Queue('default', { connection: harness.raw, prefix: harness.prefix });
    await queue.promoteJobs();
    await queue.close();
    const before = Date.now();
    expect((await harness.adapter.jobs.get(delayed.id))?.state).toBe('pending');
    const oldest = (await harness.adapter.stats.queues())[0]?.oldestPendingAt?.getTime();
    expect(oldest).toBeGreaterThanOrEqual(before);
    expect(oldest).toBeLessThanOrEqual(Date.now());
    const retryAt = new Date(Date.now() - 5);
    // The consumer stops before the retry, so nobody takes the job again.
    const retried = new Promise<void>((resolve, reject) => {
      const consumer = harness.adapter.consume(
        ['default'],
        { concurrency: 1, leaseDurationMs: 30_000 },
        async (lease) => {
          await consumer.stop();
          await lease.retry(retryAt, failure).then(resolve, reject);
        },
      );
    });
    await retried;
    expect((await harness.adapter.stats.queues())[0]?.oldestPendingAt).toEqual(retryAt);
  });

  it(`beyond ${OLDEST_EXACT_LIMIT} pending jobs, reads the heads of the priority bands`, async () => {
    h = await startHarness();
    const base = Date.now() - 3_600_000;
    const jobs = Array.from({ length: OLDEST_EXACT_LIMIT + 100 }, (_, index) =>
      newJob({
        createdAt: new Date(base + index),
        runAt: new Date(base + index),
        priority: index % 2 ? 3 : 7,
      }),
    );
    await h.adapter.enqueue(jobs);
    expect((await h.adapter.stats.queues())[0]?.oldestPendingAt).toEqual(new Date(base));
    // Enqueued last with an older runAt, it sits at the tail of its band: not among the heads.
    await h.adapter.enqueue([
      newJob({ createdAt: new Date(base - 1000), runAt: new Date(base - 1000), priority: 3 }),
    ]);
    expect((await h.adapter.stats.queues())[0]?.oldestPendingAt).toEqual(new Date(base));
  });
});

describe('bullmq id index sweep', () => {
  it('drops the index entries and markers of jobs deleted behind its back, one instance at a time', async () => {
    h = await startHarness();
    const client = new Redis(REDIS_URL);
    const context = new AdapterContext(client, resolveOptions({ connection: client, prefix: h.prefix }));
    const sweeper = new IndexSweeper(context);
    const rival = new IndexSweeper(context);
    try {
      const jobs = Array.from({ length: SWEEP_ENTRIES_PER_TICK + 100 }, () => newJob());
      await h.adapter.enqueue(jobs);
      // Its own sweeper would compete for the lock.
      await h.adapter.close();
      const gone = [jobs[0], jobs[1500], jobs[2050]].map((job) => job?.id as string);
      for (const id of gone) {
        await h.raw.del(`${h.prefix}:default:${id}`);
        await h.raw.zrem(`${h.prefix}:default:prioritized`, id);
        await h.raw.zadd(`${h.prefix}::sy:cancelled:default`, 0, id);
      }
      expect(await sweeper.tick()).toEqual({ examined: SWEEP_ENTRIES_PER_TICK, removed: 2 });
      expect(await rival.tick()).toBe('not-owner');
      expect(await sweeper.tick()).toEqual({ examined: 100, removed: 1 });
      // The cursor wrapped: the next tick starts again from the oldest entry.
      expect(await h.raw.hexists(`${h.prefix}::sy:housekeeping`, 'sweep:default')).toBe(0);
      expect(await sweeper.tick()).toEqual({ examined: SWEEP_ENTRIES_PER_TICK, removed: 0 });
      expect(await h.raw.zcard(`${h.prefix}::sy:ids:default`)).toBe(jobs.length - 3);
      expect(await h.raw.zcard(`${h.prefix}::sy:cancelled:default`)).toBe(0);
    } finally {
      await sweeper.stop();
      client.disconnect();
    }
  });

  it('keeps the index in step with BullMQ retention (the adapter sweeps by itself)', async () => {
    h = await startHarness({ retention: { completedMs: 1 } });
    const first = newJob();
    await h.adapter.enqueue([first]);
    await settleAll(h, 'default', 1, (lease) => lease.complete(null));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // BullMQ trims by age when a later job of the queue finishes.
    await h.adapter.enqueue([newJob()]);
    await settleAll(h, 'default', 1, (lease) => lease.complete(null));
    await eventually(
      async () => (await h?.raw.exists(`${h?.prefix}:default:${first.id}`)) === 0,
      'retention',
    );
    await eventually(
      async () => (await h?.raw.zscore(`${h?.prefix}::sy:ids:default`, first.id)) === null,
      'the sweep',
    );
    expect(await h.raw.zcard(`${h.prefix}::sy:ids:default`)).toBe(1);
  });
});
