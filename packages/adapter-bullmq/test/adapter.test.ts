/**
 * BullMQ-specific behaviour on real Redis, beyond the shared suite: how jobs sit in
 * BullMQ's structures, uniqueness through BullMQ deduplication, cross-process cancel
 * through the heartbeat, malformed and foreign jobs, retention, hash-tagged prefixes.
 */

import { bullmqAdapter } from '@switchyard/adapter-bullmq';
import { AdapterError, type Lease, type NewJob, silentLogger, systemClock } from '@switchyard/core';
import { Queue } from 'bullmq';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type Harness, newJob, startHarness } from './harness.js';
import { requireRedis } from './redis-required.js';

beforeAll(requireRedis);

let h: Harness | undefined;
afterEach(async () => {
  const current = h;
  h = undefined;
  await current?.close();
});

/** Collects leases from a consumer until the test settles them. */
function collect(adapter: Harness['adapter'], queues: string[], concurrency = 10, leaseDurationMs = 5000) {
  const leases: Lease[] = [];
  const consumer = adapter.consume(queues, { concurrency, leaseDurationMs }, async (lease) => {
    leases.push(lease);
  });
  return { leases, consumer };
}

describe('bullmq adapter: storage', () => {
  it('stores a job as a BullMQ job: same id, task as name, payload in data, the same priority', async () => {
    h = await startHarness();
    const job = newJob({ priority: 2, payload: { hello: 'world' } });
    expect(await h.adapter.enqueue([job])).toEqual([{ status: 'created', id: job.id }]);
    const queue = new Queue('default', { connection: h.raw, prefix: h.prefix });
    const stored = await queue.getJob(job.id);
    if (!stored) throw new Error('the job is not in BullMQ');
    expect(stored.name).toBe('echo');
    expect(stored.priority).toBe(2);
    expect((stored.data as { payload: unknown }).payload).toEqual({ hello: 'world' });
    expect(await queue.getJobState(job.id)).toBe('prioritized');
    await queue.close();
  });

  it('reports a duplicate id and a held unique key with the existing id, within one batch too', async () => {
    h = await startHarness();
    const first = newJob({ uniqueKey: 'user-1' });
    const sameKey = newJob({ uniqueKey: 'user-1' });
    const otherTask = newJob({ task: 'other', uniqueKey: 'user-1' });
    const outcomes = await h.adapter.enqueue([first, sameKey, otherTask, { ...first }]);
    expect(outcomes).toEqual([
      { status: 'created', id: first.id },
      { status: 'duplicate', id: sameKey.id, existingJobId: first.id },
      { status: 'created', id: otherTask.id },
      { status: 'duplicate', id: first.id, existingJobId: first.id },
    ]);
    expect(await h.adapter.jobs.get(sameKey.id)).toBeNull();
    // Cancelling the holder frees the key.
    expect(await h.adapter.jobs.cancel(first.id)).toBe('cancelled');
    const again = newJob({ uniqueKey: 'user-1' });
    expect(await h.adapter.enqueue([again])).toEqual([{ status: 'created', id: again.id }]);
  });

  it('tells created from duplicate across the pipelines of a large batch, in input order', async () => {
    h = await startHarness();
    const stored = newJob();
    await h.adapter.enqueue([stored]);
    // Large enough to span several pipelines; other queues mixed in.
    const batch = Array.from({ length: 700 }, (_, index) =>
      newJob({ queue: index % 3 === 0 ? 'other' : 'default', payload: { index } }),
    );
    const holder = newJob({ uniqueKey: 'k-1' });
    const repeated = batch[10] as ReturnType<typeof newJob>;
    batch[0] = { ...stored };
    batch[5] = holder;
    batch[300] = { ...repeated };
    batch[650] = newJob({ uniqueKey: 'k-1' });
    const outcomes = await h.adapter.enqueue(batch);
    expect(outcomes).toHaveLength(batch.length);
    expect(outcomes[0]).toEqual({ status: 'duplicate', id: stored.id, existingJobId: stored.id });
    expect(outcomes[10]).toEqual({ status: 'created', id: repeated.id });
    expect(outcomes[300]).toEqual({ status: 'duplicate', id: repeated.id, existingJobId: repeated.id });
    expect(outcomes[650]).toEqual({
      status: 'duplicate',
      id: batch[650]?.id,
      existingJobId: holder.id,
    });
    const special = new Set([0, 300, 650]);
    outcomes.forEach((outcome, index) => {
      if (!special.has(index)) expect(outcome).toEqual({ status: 'created', id: batch[index]?.id });
    });
    // The repeat did not overwrite the first occurrence.
    expect((await h.adapter.jobs.get(repeated.id))?.payload).toEqual({ index: 10 });
    expect(await h.adapter.jobs.get(batch[650]?.id ?? '')).toBeNull();
  });

  it('records every queue an enqueue touches as a known one, in the script that checks the ids', async () => {
    h = await startHarness();
    const known = () => h?.raw.smembers(`${h.prefix}::sy:queues`);
    await h.adapter.enqueue([newJob({ queue: 'solo' })]);
    expect(await known()).toEqual(['solo']);
    // Spans several pipelines; a queue that appears only in the last one is recorded too.
    const batch = Array.from({ length: 600 }, () => newJob({ queue: 'many-a' }));
    batch[599] = newJob({ queue: 'many-late' });
    batch[1] = newJob({ queue: 'many-b' });
    const outcomes = await h.adapter.enqueue(batch);
    expect(outcomes.every((outcome) => outcome.status === 'created')).toBe(true);
    expect((await known())?.sort()).toEqual(['many-a', 'many-b', 'many-late', 'solo']);
    expect((await h.adapter.queues.list()).sort()).toEqual(['many-a', 'many-b', 'many-late', 'solo']);
  });

  it('with newIds, sends the add before recording the queue, and still records, indexes and stores each job', async () => {
    h = await startHarness();
    const harness = h;
    // MONITOR shows the commands in the order Redis ran them (lines from inside scripts left out).
    const monitor = await harness.raw.duplicate().monitor();
    const order: string[] = [];
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source === 'lua') return;
      // Scripts only: the queues' record (with the existence check, when there is one) and BullMQ's add.
      if (!/^eval/i.test(args[0] ?? '')) return;
      const text = args.join(' ');
      if (text.includes(`${harness.prefix}::sy:queues`)) order.push('record');
      else if (text.includes(`${harness.prefix}:lone:`) || text.includes(`${harness.prefix}:checked:`))
        order.push('add');
    });
    // Due later: BullMQ's own (delayed) add, not the adapter's batch of prioritized jobs.
    const lone = newJob({ queue: 'lone', runAt: new Date(Date.now() + 60_000) });
    try {
      await harness.adapter.enqueue([newJob({ queue: 'checked' })]);
      expect(await harness.adapter.enqueue([lone], { newIds: true })).toEqual([
        { status: 'created', id: lone.id },
      ]);
      await eventually(() => order.length >= 4, 'the monitored commands');
    } finally {
      monitor.disconnect();
    }
    // Without newIds the record (with the existence check) goes first; with it, the add does.
    expect(order.slice(0, 4)).toEqual(['record', 'add', 'add', 'record']);
    expect(await harness.raw.zscore(`${harness.prefix}::sy:ids:lone`, lone.id)).toBe('0');
    // A batch over several pipelines: every queue recorded, every job created.
    const batch = Array.from({ length: 600 }, () => newJob({ queue: 'fresh-a', runAt: lone.runAt }));
    batch[599] = newJob({ queue: 'fresh-late', runAt: lone.runAt });
    const outcomes = await harness.adapter.enqueue(batch, { newIds: true });
    expect(outcomes).toEqual(batch.map((job) => ({ status: 'created', id: job.id })));
    expect((await harness.adapter.queues.list()).sort()).toEqual([
      'checked',
      'fresh-a',
      'fresh-late',
      'lone',
    ]);
    expect((await harness.adapter.jobs.get(batch[599]?.id ?? ''))?.queue).toBe('fresh-late');
  });

  it('with newIds, prioritized jobs due now go in one script call per 250 jobs and queue, which records and indexes them', async () => {
    h = await startHarness();
    const harness = h;
    const monitor = await harness.raw.duplicate().monitor();
    const calls: string[] = [];
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source === 'lua' || !/^eval/i.test(args[0] ?? '')) return;
      // The adapter's scripts name the prefix's known-queue set first, then the prefix and the queue.
      if (args[3] === `${harness.prefix}::sy:queues` && args[4] === harness.prefix) calls.push(args[5] ?? '');
    });
    const batch = Array.from({ length: 600 }, (_, n) =>
      newJob({ queue: 'fresh-a', priority: n % 3 === 0 ? 1 : 7 }),
    );
    batch[599] = newJob({ queue: 'fresh-late' });
    try {
      const outcomes = await harness.adapter.enqueue(batch, { newIds: true });
      expect(outcomes).toEqual(batch.map((job) => ({ status: 'created', id: job.id })));
      await eventually(() => calls.length >= 4, 'the monitored calls');
    } finally {
      monitor.disconnect();
    }
    expect(calls.sort()).toEqual(['fresh-a', 'fresh-a', 'fresh-a', 'fresh-late']);
    expect((await harness.adapter.queues.list()).sort()).toEqual(['fresh-a', 'fresh-late']);
    expect(await harness.raw.zcard(`${harness.prefix}::sy:ids:fresh-a`)).toBe(599);
    // BullMQ's own reading: prioritized, in priority order, the first of each priority first.
    const queue = new Queue('fresh-a', { connection: harness.raw, prefix: harness.prefix });
    try {
      expect(await queue.getJobCounts('prioritized', 'wait', 'delayed')).toEqual({
        prioritized: 599,
        wait: 0,
        delayed: 0,
      });
      const first = await queue.getPrioritized(0, 0);
      expect(first[0]?.id).toBe(batch[0]?.id);
      expect(first[0]?.priority).toBe(1);
      expect((await harness.adapter.jobs.get(batch[1]?.id ?? ''))?.priority).toBe(7);
    } finally {
      await queue.close();
    }
  });

  it('with newIds, an id that exists after all keeps its job: BullMQ adds nothing over it', async () => {
    h = await startHarness();
    const first = newJob({ payload: { version: 1 } });
    await h.adapter.enqueue([first]);
    // newIds promises a fresh id, so the adapter does not look; BullMQ's add leaves the job alone.
    const again = { ...first, payload: { version: 2 } };
    expect(await h.adapter.enqueue([again], { newIds: true })).toEqual([{ status: 'created', id: first.id }]);
    expect((await h.adapter.jobs.get(first.id))?.payload).toEqual({ version: 1 });
    // Without the promise the same call is told apart as a duplicate.
    expect(await h.adapter.enqueue([again])).toEqual([
      { status: 'duplicate', id: first.id, existingJobId: first.id },
    ]);
  });

  it('works under a hash-tagged prefix (Redis Cluster layout)', async () => {
    h = await startHarness({ prefix: `{syt${Date.now().toString(36)}}` });
    const job = newJob();
    await h.adapter.enqueue([job]);
    const { leases, consumer } = collect(h.adapter, ['default']);
    const lease = await eventually(() => leases[0], 'a lease');
    await lease.complete({ ok: true });
    await consumer.stop();
    expect(await h.adapter.jobs.get(job.id)).toMatchObject({
      state: 'completed',
      result: { ok: true },
      attempt: 1,
    });
    expect(await h.raw.exists(`${h.prefix}:default:${job.id}`)).toBe(1);
  });

  it('lists newest first across queues, paging with a cursor', async () => {
    h = await startHarness();
    const jobs = [
      newJob({ queue: 'a' }),
      newJob({ queue: 'b' }),
      newJob({ queue: 'a' }),
      newJob({ queue: 'b' }),
    ];
    await h.adapter.enqueue(jobs);
    const first = await h.adapter.jobs.list({ states: ['pending'], limit: 3, scanLimit: 5000 });
    expect(first.jobs.map((job) => job.id)).toEqual(
      jobs
        .map((job) => job.id)
        .reverse()
        .slice(0, 3),
    );
    const second = await h.adapter.jobs.list({
      states: ['pending'],
      limit: 3,
      scanLimit: 5000,
      cursor: first.nextCursor as string,
    });
    expect(second.jobs.map((job) => job.id)).toEqual([jobs[0]?.id]);
    expect(second.nextCursor).toBeUndefined();
    expect(await h.adapter.queues.list()).toEqual(['a', 'b']);
    expect((await h.adapter.jobs.counts({ queue: 'a' })).pending).toBe(2);
  });
});

describe('bullmq adapter: leases', () => {
  it('a cancel from another process reaches the holder on its next heartbeat', async () => {
    h = await startHarness();
    const job = newJob();
    await h.adapter.enqueue([job]);
    const { leases, consumer } = collect(h.adapter, ['default']);
    const lease = await eventually(() => leases[0], 'a lease');
    const other = await h.second();
    expect(await other.jobs.cancel(job.id)).toBe('requested');
    expect(await other.jobs.get(job.id)).toMatchObject({ state: 'running', cancelRequested: true });
    expect(lease.signal.aborted).toBe(false);
    await lease.heartbeat();
    expect(lease.signal.aborted).toBe(true);
    expect((lease.signal.reason as Error).name).toBe('JobCancelledError');
    await lease.cancelled();
    await consumer.stop();
    expect(await other.jobs.get(job.id)).toMatchObject({ state: 'cancelled' });
    expect((await other.jobs.counts()).cancelled).toBe(1);
  });

  it('with several queues, the concurrency cap holds across all of them', async () => {
    h = await startHarness();
    await h.adapter.enqueue([
      newJob({ queue: 'a' }),
      newJob({ queue: 'a' }),
      newJob({ queue: 'b' }),
      newJob({ queue: 'b' }),
    ]);
    const { leases, consumer } = collect(h.adapter, ['a', 'b'], 2);
    await eventually(() => leases.length === 2, 'two leases');
    // Both workers fetch, but a third lease must wait for a settlement.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(leases).toHaveLength(2);
    await leases[0]?.complete(undefined);
    await eventually(() => leases.length === 3, 'a third lease after one settled');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(leases).toHaveLength(3);
    for (const lease of leases.slice(1)) await lease.complete(undefined);
    await eventually(() => leases.length === 4, 'the last lease');
    await leases[3]?.complete(undefined);
    await consumer.stop();
    expect((await h.adapter.jobs.counts()).completed).toBe(4);
  });

  it('release gives the job back without consuming the attempt; retry keeps the error and the next runAt', async () => {
    h = await startHarness();
    const job = newJob();
    await h.adapter.enqueue([job]);
    const { leases, consumer } = collect(h.adapter, ['default']);
    const first = await eventually(() => leases[0], 'the first lease');
    expect(first.job).toMatchObject({ attempt: 1, state: 'running' });
    expect(first.redelivered).toBe(false);
    await first.release();
    const second = await eventually(() => leases[1], 'the job again');
    expect(second.job.attempt).toBe(1);
    const at = new Date(Date.now() + 60_000);
    await second.retry(at, { name: 'Error', message: 'try later', code: 'X' });
    await consumer.stop();
    expect(await h.adapter.jobs.get(job.id)).toMatchObject({
      state: 'retrying',
      attempt: 1,
      runAt: at,
      error: { name: 'Error', message: 'try later', code: 'X' },
    });
  });

  it('a job with corrupt data or foreign data is delivered as malformed, and can be failed', async () => {
    h = await startHarness();
    const corrupt = newJob();
    await h.adapter.enqueue([corrupt]);
    await h.raw.hset(`${h.prefix}:default:${corrupt.id}`, 'data', '{"v":1,');
    const queue = new Queue('default', { connection: h.raw, prefix: h.prefix });
    await queue.add('foreign', { hello: 'bullmq' }, { jobId: 'foreign-1' });
    await queue.close();
    const { leases, consumer } = collect(h.adapter, ['default']);
    await eventually(() => leases.length === 2, 'two leases');
    for (const lease of leases) {
      expect(lease.malformed?.name).toBe('MalformedJobError');
      await lease.fail({ name: 'MalformedJobError', message: lease.malformed?.message ?? '' });
    }
    await consumer.stop();
    expect(await h.adapter.jobs.get(corrupt.id)).toMatchObject({ state: 'failed', task: 'echo' });
  });

  it('completed jobs older than the retention are removed by BullMQ', async () => {
    h = await startHarness({ retention: { completedMs: 1000 } });
    const old = newJob();
    await h.adapter.enqueue([old]);
    const { leases, consumer } = collect(h.adapter, ['default']);
    await (await eventually(() => leases[0], 'the first lease')).complete(undefined);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // BullMQ trims by age when the next job finishes.
    const fresh = newJob();
    await h.adapter.enqueue([fresh]);
    await (await eventually(() => leases[1], 'the second lease')).complete(undefined);
    await consumer.stop();
    expect(await h.adapter.jobs.get(old.id)).toBeNull();
    expect(await h.adapter.jobs.get(fresh.id)).toMatchObject({ state: 'completed' });
  });
});

describe('bullmq adapter: connection', () => {
  it('start() fails with an AdapterError when Redis cannot be reached', async () => {
    const adapter = bullmqAdapter({
      connection: { host: '127.0.0.1', port: 1, retryStrategy: () => null },
      prefix: 'unreachable',
    });
    const started = adapter.start({
      logger: silentLogger,
      clock: systemClock,
      retention: {},
      historyRetentionMs: 60_000,
    });
    await expect(started).rejects.toBeInstanceOf(AdapterError);
    await expect(started).rejects.toThrow(/bullmq: cannot reach Redis/);
    await adapter.close();
  });

  it('survives CLIENT KILL of every connection mid-run: producers and workers reconnect, no acknowledged job is lost', async () => {
    const connectionName = `sykill${Math.random().toString(36).slice(2, 10)}`;
    const harness = await startHarness({ connectionName });
    h = harness;
    // Only this test's connections: other tests share the Redis server.
    const killOwnConnections = async () => {
      const list = (await harness.raw.client('LIST')) as string;
      const ids = list
        .split('\n')
        .filter((line) => line.includes(` name=${connectionName}`))
        .map((line) => /\bid=(\d+)/.exec(line)?.[1])
        .filter((id): id is string => id !== undefined);
      expect(ids.length).toBeGreaterThan(0);
      for (const id of ids) await harness.raw.client('KILL', 'ID', id);
    };
    const completed = new Set<string>();
    const consumer = h.adapter.consume(
      ['default'],
      { concurrency: 20, leaseDurationMs: 2000 },
      async (lease) => {
        await new Promise((resolve) => setTimeout(resolve, 2));
        await lease.complete(null);
        completed.add(lease.job.id);
      },
    );
    const acknowledged: string[] = [];
    // An enqueue made while the command connection is down fails at once (nothing is queued to be
    // sent later); the producer retries the batch with the same ids, which is safe.
    let refused = 0;
    const enqueueRetrying = async (jobs: NewJob[]) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await harness.adapter.enqueue(jobs);
        } catch (error) {
          refused++;
          if (attempt === 100) throw error;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    };
    for (let batch = 0; batch < 10; batch++) {
      const jobs = Array.from({ length: 30 }, () => newJob());
      const outcomes = await enqueueRetrying(jobs);
      for (const outcome of outcomes) {
        // A retried batch may find its first attempt's jobs: the same id, stored once.
        if (outcome.status === 'created' || outcome.existingJobId === outcome.id)
          acknowledged.push(outcome.id);
      }
      if (batch === 3 || batch === 6) {
        // Drops every connection of the adapter, BullMQ's included.
        await killOwnConnections();
      }
    }
    expect(acknowledged).toHaveLength(300);
    expect(refused).toBeLessThan(200);
    await eventually(
      () => acknowledged.every((id) => completed.has(id)),
      'every acknowledged job to complete',
      20_000,
    );
    await consumer.stop();
    const counts = await h.adapter.jobs.counts();
    expect(counts.completed).toBe(300);
    expect(counts.pending + counts.running + counts.failed).toBe(0);
  }, 40_000);
});
