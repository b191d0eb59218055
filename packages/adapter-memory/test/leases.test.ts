import {
  AdapterError,
  JobCancelledError,
  type Lease,
  LeaseExpiredError,
  MalformedJobError,
} from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, holdLeases, startHarness } from './harness.js';

const error = { name: 'Error', message: 'boom' };

describe('memory adapter: leases', () => {
  let h: Harness;
  afterEach(async () => {
    await h.adapter.close();
  });

  it('redelivers a job whose lease expired without heartbeat, to another consumer, with attempt 2', async () => {
    h = await startHarness();
    const job = h.job();
    await h.adapter.enqueue([job]);
    const first = holdLeases(h.adapter, ['default'], { leaseDurationMs: 1000 });
    await h.flush();
    expect(first.leases).toHaveLength(1);
    const lost = first.leases[0]!;
    await first.stop();
    const second = holdLeases(h.adapter, ['default'], { leaseDurationMs: 1000 });

    await h.clock.advance(1000);
    expect(lost.signal.aborted).toBe(false);
    expect(second.leases).toHaveLength(0);
    await h.clock.advance(1);
    expect(lost.signal.aborted).toBe(true);
    expect(lost.signal.reason).toBeInstanceOf(LeaseExpiredError);
    expect(second.leases).toHaveLength(1);
    const again = second.leases[0]!;
    expect(again.job.id).toBe(job.id);
    expect(again.job.attempt).toBe(2);
    expect(again.redelivered).toBe(true);
    expect(lost.redelivered).toBe(false);

    // The lost lease can no longer change the job.
    await lost.complete('late');
    await lost.fail(error);
    expect(await h.adapter.jobs.get(job.id)).toMatchObject({ state: 'running', attempt: 2 });
    await again.complete('on time');
    expect(await h.adapter.jobs.get(job.id)).toMatchObject({ state: 'completed', result: 'on time' });
  });

  it('frees the hung consumer slot when its lease expires', async () => {
    h = await startHarness();
    await h.adapter.enqueue([h.job(), h.job()]);
    const held = holdLeases(h.adapter, ['default'], { concurrency: 1, leaseDurationMs: 500 });
    await h.flush();
    expect(held.leases).toHaveLength(1);
    await h.clock.advance(501);
    // The first onLease call never settled, yet the consumer got another job.
    expect(held.leases).toHaveLength(2);
    expect(held.leases[1]!.job.id).toBe(held.leases[0]!.job.id);
    expect(held.leases[1]!.redelivered).toBe(true);
  });

  it('keeps a heartbeated lease alive', async () => {
    h = await startHarness();
    const job = h.job();
    await h.adapter.enqueue([job]);
    const held = holdLeases(h.adapter, ['default'], { leaseDurationMs: 1000 });
    await h.flush();
    const lease = held.leases[0]!;
    await h.clock.advance(600);
    await lease.heartbeat();
    await h.clock.advance(1000);
    expect(lease.signal.aborted).toBe(false);
    await h.clock.advance(1);
    expect(lease.signal.aborted).toBe(true);
    expect(held.leases).toHaveLength(2);
  });

  it('release gives the job back without consuming the attempt', async () => {
    h = await startHarness();
    const job = h.job();
    await h.adapter.enqueue([job]);
    const held = holdLeases(h.adapter, ['default']);
    await h.flush();
    // Stopped first, so the released job waits to be inspected; the lease stays valid.
    await held.stop();
    await held.leases[0]!.release();
    expect(await h.adapter.jobs.get(job.id)).toMatchObject({ state: 'pending', attempt: 0 });
    const next = holdLeases(h.adapter, ['default']);
    await h.flush();
    expect(next.leases).toHaveLength(1);
    expect(next.leases[0]!.job.attempt).toBe(1);
    expect(next.leases[0]!.redelivered).toBe(false);
  });

  it('retry(at) in the future waits in retrying, then delivers the next attempt', async () => {
    h = await startHarness();
    const job = h.job();
    await h.adapter.enqueue([job]);
    const held = holdLeases(h.adapter, ['default']);
    await h.flush();
    await held.leases[0]!.retry(new Date(h.clock.now() + 2000), error);
    expect(await h.adapter.jobs.get(job.id)).toMatchObject({ state: 'retrying', attempt: 1, error });
    await h.clock.advance(1999);
    expect(held.leases).toHaveLength(1);
    await h.clock.advance(1);
    expect(held.leases).toHaveLength(2);
    expect(held.leases[1]!.job).toMatchObject({ id: job.id, attempt: 2, state: 'running', error });
  });

  it('retry(at) at or before now makes the job pending at once', async () => {
    h = await startHarness();
    const job = h.job();
    await h.adapter.enqueue([job]);
    const held = holdLeases(h.adapter, ['default']);
    await h.flush();
    await held.stop();
    await held.leases[0]!.retry(new Date(h.clock.now()), error);
    expect(await h.adapter.jobs.get(job.id)).toMatchObject({ state: 'pending', error });
    const next = holdLeases(h.adapter, ['default']);
    await h.flush();
    expect(next.leases[0]!.job.attempt).toBe(2);
  });

  it('complete, fail and cancelled finish the job; a second settle is a no-op', async () => {
    h = await startHarness();
    const [done, failed, cancelled] = [h.job(), h.job(), h.job()];
    await h.adapter.enqueue([done, failed, cancelled]);
    const held = holdLeases(h.adapter, ['default'], { concurrency: 3 });
    await h.flush();
    const byId = new Map(held.leases.map((lease) => [lease.job.id, lease]));
    await byId.get(done.id)!.progress({ step: 2 });
    await byId.get(done.id)!.complete({ ok: true });
    await byId.get(done.id)!.fail(error);
    await byId.get(failed.id)!.fail(error);
    await byId.get(cancelled.id)!.cancelled();
    const now = h.clock.now();
    expect(await h.adapter.jobs.get(done.id)).toMatchObject({
      state: 'completed',
      result: { ok: true },
      progress: { step: 2 },
      finishedAt: new Date(now),
    });
    expect((await h.adapter.jobs.get(done.id))?.error).toBeUndefined();
    expect(await h.adapter.jobs.get(failed.id)).toMatchObject({
      state: 'failed',
      error,
      finishedAt: new Date(now),
    });
    expect(await h.adapter.jobs.get(cancelled.id)).toMatchObject({
      state: 'cancelled',
      finishedAt: new Date(now),
    });
  });

  it('never has more unsettled leases than the concurrency, across two consumers sharing the store', async () => {
    h = await startHarness();
    await h.adapter.enqueue(Array.from({ length: 60 }, () => h.job()));
    const open = [new Set<Lease>(), new Set<Lease>()];
    const caps = [3, 5];
    const peaks = [0, 0];
    const delivered: string[] = [];
    caps.forEach((concurrency, index) => {
      h.adapter.consume(['default'], { concurrency, leaseDurationMs: 30_000 }, (lease) => {
        open[index]!.add(lease);
        peaks[index] = Math.max(peaks[index]!, open[index]!.size);
        delivered.push(lease.job.id);
        return new Promise<void>(() => {});
      });
    });
    for (let round = 0; delivered.length < 60 && round < 200; round++) {
      await h.flush();
      // Settle a varying number of open leases each round.
      for (const [index, leases] of open.entries()) {
        let toSettle = (round + index) % 3;
        for (const lease of [...leases]) {
          if (toSettle-- <= 0) break;
          leases.delete(lease);
          await lease.complete(null);
        }
      }
    }
    expect(delivered).toHaveLength(60);
    expect(new Set(delivered).size).toBe(60);
    expect(peaks[0]).toBe(3);
    expect(peaks[1]).toBe(5);
  });

  it('reports a job whose stored payload is corrupt as malformed, with its id', async () => {
    h = await startHarness();
    const job = h.job();
    await h.adapter.enqueue([job]);
    h.adapter.storage.row(job.id)!.payloadJson = '{"broken": ';
    const held = holdLeases(h.adapter, ['default']);
    await h.flush();
    const lease = held.leases[0]!;
    expect(lease.malformed).toBeInstanceOf(MalformedJobError);
    expect(lease.job.id).toBe(job.id);
    await lease.fail({ name: 'MalformedJobError', message: lease.malformed!.message });
    expect((await h.adapter.jobs.get(job.id))?.state).toBe('failed');
  });

  it('gives each lease its own payload copy', async () => {
    h = await startHarness();
    const job = h.job({ payload: { list: [1, 2] } });
    await h.adapter.enqueue([job]);
    const held = holdLeases(h.adapter, ['default']);
    await h.flush();
    (held.leases[0]!.job.payload as { list: number[] }).list.push(3);
    await held.leases[0]!.release();
    await h.flush();
    expect(held.leases[1]!.job.payload).toEqual({ list: [1, 2] });
  });

  it('stops delivering to a stopped consumer and after close', async () => {
    h = await startHarness();
    const held = holdLeases(h.adapter, ['default'], { concurrency: 5 });
    await held.stop();
    await h.adapter.enqueue([h.job()]);
    await h.flush();
    expect(held.leases).toHaveLength(0);

    const other = holdLeases(h.adapter, ['default'], { concurrency: 5 });
    await h.adapter.close();
    await h.adapter.enqueue([h.job({ runAt: new Date(h.clock.now() + 10) })]);
    await h.clock.advance(100);
    expect(other.leases).toHaveLength(0);
    expect(h.clock.pendingTimers).toBe(0);
  });

  it('aborts a running job that is removed, and its lease can no longer change anything', async () => {
    h = await startHarness();
    const job = h.job();
    await h.adapter.enqueue([job]);
    const held = holdLeases(h.adapter, ['default']);
    await h.flush();
    expect(await h.adapter.jobs.remove(job.id)).toBe(true);
    expect(held.leases[0]!.signal.reason).toBeInstanceOf(JobCancelledError);
    await held.leases[0]!.complete(null);
    expect(await h.adapter.jobs.get(job.id)).toBeNull();
  });
});

describe('memory adapter: values that are not JSON', () => {
  it('rejects a non-JSON result with AdapterError and leaves the lease open', async () => {
    const h = await startHarness();
    const job = h.job();
    await h.adapter.enqueue([job]);
    const held = holdLeases(h.adapter, ['default']);
    await h.flush();
    const lease = held.leases[0]!;
    await expect(lease.complete({ big: 1n })).rejects.toBeInstanceOf(AdapterError);
    await expect(lease.progress({ big: 1n })).rejects.toBeInstanceOf(AdapterError);
    expect((await h.adapter.jobs.get(job.id))?.state).toBe('running');
    await lease.complete({ ok: 1 });
    expect(await h.adapter.jobs.get(job.id)).toMatchObject({ state: 'completed', result: { ok: 1 } });
    await h.adapter.close();
  });
});
