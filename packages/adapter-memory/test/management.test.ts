import { JobCancelledError } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, holdLeases, startHarness } from './harness.js';

const error = { name: 'Error', message: 'boom' };

describe('memory adapter: cancel, retry, remove, counts, pause', () => {
  let h: Harness;
  afterEach(async () => {
    await h.adapter.close();
  });

  it('cancels scheduled, pending and retrying jobs so they never run', async () => {
    h = await startHarness();
    const now = h.clock.now();
    const scheduled = h.job({ runAt: new Date(now + 1000) });
    const pending = h.job({ queue: 'paused' });
    const retrying = h.job({ queue: 'r' });
    await h.adapter.queues.pause('paused');
    await h.adapter.enqueue([scheduled, pending, retrying]);
    const runner = holdLeases(h.adapter, ['r']);
    await h.flush();
    await runner.leases[0]!.retry(new Date(now + 500), error);
    expect((await h.adapter.jobs.get(retrying.id))?.state).toBe('retrying');

    for (const job of [scheduled, pending, retrying]) {
      expect(await h.adapter.jobs.cancel(job.id)).toBe('cancelled');
      expect(await h.adapter.jobs.get(job.id)).toMatchObject({
        state: 'cancelled',
        finishedAt: new Date(now),
      });
    }
    const all = holdLeases(h.adapter, ['default', 'paused', 'r'], { concurrency: 10 });
    await h.adapter.queues.resume('paused');
    await h.clock.advance(5000);
    expect(all.leases).toHaveLength(0);
    expect(runner.leases).toHaveLength(1);
  });

  it('asks the holder of a running job to stop, at once, and then records cancelled', async () => {
    h = await startHarness();
    const job = h.job({ uniqueKey: 'only-one' });
    await h.adapter.enqueue([job]);
    const held = holdLeases(h.adapter, ['default']);
    await h.flush();
    const lease = held.leases[0]!;
    expect(await h.adapter.jobs.cancel(job.id)).toBe('requested');
    expect(lease.signal.aborted).toBe(true);
    expect(lease.signal.reason).toBeInstanceOf(JobCancelledError);
    expect(await h.adapter.jobs.get(job.id)).toMatchObject({ state: 'running', cancelRequested: true });
    await lease.cancelled();
    expect((await h.adapter.jobs.get(job.id))?.state).toBe('cancelled');
    expect(await h.adapter.jobs.cancel(job.id)).toBe('finished');
    expect(await h.adapter.jobs.cancel('no-such-job')).toBe('not_found');
    // The unique key is free again.
    const next = h.job({ uniqueKey: 'only-one' });
    expect((await h.adapter.enqueue([next]))[0]!.status).toBe('created');
  });

  it('cancels a running job whose holder vanished when its lease expires', async () => {
    h = await startHarness();
    const job = h.job();
    await h.adapter.enqueue([job]);
    const held = holdLeases(h.adapter, ['default'], { leaseDurationMs: 100 });
    await h.flush();
    await h.adapter.jobs.cancel(job.id);
    await h.clock.advance(101);
    expect((await h.adapter.jobs.get(job.id))?.state).toBe('cancelled');
    expect(held.leases).toHaveLength(1);
  });

  it('retries failed and cancelled jobs with a fresh attempt budget, and nothing else', async () => {
    h = await startHarness();
    const job = h.job({ uniqueKey: 'k' });
    const completed = h.job();
    await h.adapter.enqueue([job, completed]);
    const held = holdLeases(h.adapter, ['default'], { concurrency: 2 });
    await h.flush();
    const lease = held.leases.find((l) => l.job.id === job.id)!;
    await lease.progress(50);
    expect(await h.adapter.jobs.retry(job.id)).toBeNull(); // running
    await lease.fail(error);
    await held.leases.find((l) => l.job.id === completed.id)!.complete(1);
    expect(await h.adapter.jobs.retry(completed.id)).toBeNull();
    expect(await h.adapter.jobs.retry('missing')).toBeNull();

    await h.clock.advance(1000);
    await held.stop();
    const retried = await h.adapter.jobs.retry(job.id);
    expect(retried).toMatchObject({
      id: job.id,
      state: 'pending',
      attempt: 0,
      runAt: new Date(h.clock.now()),
    });
    expect(retried).not.toHaveProperty('error');
    expect(retried).not.toHaveProperty('finishedAt');
    expect(retried).not.toHaveProperty('progress');
    expect(await h.adapter.jobs.retry(job.id)).toBeNull(); // pending now

    const next = holdLeases(h.adapter, ['default']);
    await h.flush();
    expect(next.leases[0]!.job).toMatchObject({ id: job.id, attempt: 1 });
    await next.stop();
    await next.leases[0]!.cancelled();
    // Another unfinished job now holds the unique key: not retryable.
    const holder = h.job({ uniqueKey: 'k' });
    await h.adapter.enqueue([holder]);
    expect(await h.adapter.jobs.retry(job.id)).toBeNull();
    await h.adapter.jobs.cancel(holder.id);
    expect((await h.adapter.jobs.retry(job.id))?.state).toBe('pending');
  });

  it('removes jobs from every state and frees their unique key', async () => {
    h = await startHarness();
    const scheduled = h.job({ runAt: new Date(h.clock.now() + 100), uniqueKey: 'u' });
    const pending = h.job();
    await h.adapter.enqueue([scheduled, pending]);
    expect(await h.adapter.jobs.remove(scheduled.id)).toBe(true);
    expect(await h.adapter.jobs.remove(pending.id)).toBe(true);
    expect(await h.adapter.jobs.remove(pending.id)).toBe(false);
    expect(await h.adapter.jobs.get(pending.id)).toBeNull();
    const held = holdLeases(h.adapter, ['default']);
    await h.clock.advance(200);
    expect(held.leases).toHaveLength(0);
    expect((await h.adapter.enqueue([h.job({ uniqueKey: 'u' })]))[0]!.status).toBe('created');
    expect(await h.adapter.jobs.counts()).toMatchObject({ scheduled: 0, pending: 0, running: 1 });
  });

  it('counts every state, overall and per queue, as jobs move', async () => {
    h = await startHarness();
    const zero = { scheduled: 0, pending: 0, running: 0, retrying: 0, completed: 0, failed: 0, cancelled: 0 };
    expect(await h.adapter.jobs.counts()).toEqual(zero);
    const now = h.clock.now();
    await h.adapter.enqueue([
      h.job({ queue: 'a' }),
      h.job({ queue: 'a' }),
      h.job({ queue: 'a', runAt: new Date(now + 1000) }),
      h.job({ queue: 'b' }),
      h.job({ queue: 'b' }),
    ]);
    const held = holdLeases(h.adapter, ['b'], { concurrency: 2 });
    await h.flush();
    await held.leases[0]!.complete(null);
    expect(await h.adapter.jobs.counts()).toEqual({
      ...zero,
      scheduled: 1,
      pending: 2,
      running: 1,
      completed: 1,
    });
    expect(await h.adapter.jobs.counts({ queue: 'a' })).toEqual({ ...zero, scheduled: 1, pending: 2 });
    expect(await h.adapter.jobs.counts({ queue: 'b' })).toEqual({ ...zero, running: 1, completed: 1 });
    expect(await h.adapter.jobs.counts({ queue: 'nope' })).toEqual(zero);
    await held.leases[1]!.fail(error);
    await h.clock.advance(1000);
    expect(await h.adapter.jobs.counts()).toEqual({ ...zero, pending: 3, completed: 1, failed: 1 });
  });

  it('holds a paused queue, keeps accepting its jobs, and delivers them on resume', async () => {
    h = await startHarness();
    await h.adapter.queues.pause('email');
    expect(await h.adapter.queues.isPaused('email')).toBe(true);
    expect(await h.adapter.queues.isPaused('default')).toBe(false);
    const email = h.job({ queue: 'email' });
    const other = h.job();
    await h.adapter.enqueue([email, other]);
    const held = holdLeases(h.adapter, ['email', 'default'], { concurrency: 5 });
    await h.flush();
    expect(held.leases.map((lease) => lease.job.id)).toEqual([other.id]);
    expect((await h.adapter.jobs.get(email.id))?.state).toBe('pending');
    await h.adapter.queues.resume('email');
    await h.flush();
    expect(held.leases.map((lease) => lease.job.id)).toEqual([other.id, email.id]);
    await h.adapter.queues.pause('quiet');
    await h.adapter.queues.resume('quiet');
    expect(await h.adapter.queues.list()).toEqual(['default', 'email', 'quiet']);
  });
});
