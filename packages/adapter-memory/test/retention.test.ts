import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, holdLeases, startHarness } from './harness.js';

describe('memory adapter: retention', () => {
  let h: Harness;
  afterEach(async () => {
    await h.adapter.close();
  });

  it('removes completed jobs after completedMs, failed and cancelled ones after failedMs', async () => {
    h = await startHarness({
      retention: { completedMs: 1000, failedMs: 5000 },
      adapter: { sweepInterval: 100 },
    });
    const [done, failed, cancelled, waiting] = [
      h.job(),
      h.job(),
      h.job({ queue: 'q' }),
      h.job({ queue: 'q' }),
    ];
    await h.adapter.enqueue([done, failed, cancelled, waiting]);
    const held = holdLeases(h.adapter, ['default'], { concurrency: 2 });
    await h.flush();
    const lease = (id: string) => held.leases.find((l) => l.job.id === id)!;
    await lease(done.id).complete('ok');
    await lease(failed.id).fail({ name: 'Error', message: 'x' });
    await h.adapter.jobs.cancel(cancelled.id);

    await h.clock.advance(900);
    expect(await h.adapter.jobs.get(done.id)).not.toBeNull();
    await h.clock.advance(200);
    expect(await h.adapter.jobs.get(done.id)).toBeNull();
    expect(await h.adapter.jobs.get(failed.id)).not.toBeNull();
    expect(await h.adapter.jobs.get(cancelled.id)).not.toBeNull();

    await h.clock.advance(4000);
    expect(await h.adapter.jobs.get(failed.id)).toBeNull();
    expect(await h.adapter.jobs.get(cancelled.id)).toBeNull();
    expect(await h.adapter.jobs.get(waiting.id)).not.toBeNull();
    expect((await h.adapter.jobs.counts()).completed).toBe(0);
    // Nothing left to expire: once the lease-expiry timer armed for the (settled) leases has
    // fired, an idle store keeps no timer at all.
    await h.clock.advance(30_000);
    expect(h.clock.pendingTimers).toBe(0);
  });

  it('keeps a job that was retried by hand after it failed', async () => {
    h = await startHarness({ retention: { failedMs: 1000 }, adapter: { sweepInterval: 100 } });
    const job = h.job();
    await h.adapter.enqueue([job]);
    await h.adapter.jobs.cancel(job.id);
    await h.clock.advance(500);
    await h.adapter.jobs.retry(job.id);
    await h.clock.advance(2000);
    expect((await h.adapter.jobs.get(job.id))?.state).toBe('pending');
  });

  it('keeps everything without retention, and arms no sweep timer', async () => {
    h = await startHarness({ adapter: { sweepInterval: 100 } });
    const job = h.job();
    await h.adapter.enqueue([job]);
    await h.adapter.jobs.cancel(job.id);
    expect(h.clock.pendingTimers).toBe(0);
    await h.clock.advance(1_000_000);
    expect((await h.adapter.jobs.get(job.id))?.state).toBe('cancelled');
  });
});
