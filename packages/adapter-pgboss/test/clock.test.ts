import { type Lease, ManualClock } from '@switchyard/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertDatabaseReachable } from './database-url.js';
import { newJob, PgTestScope, waitFor } from './helpers.js';

let scope: PgTestScope;
beforeAll(assertDatabaseReachable);
afterEach(async (context) => {
  await scope.dispose(context.task.result?.state !== 'fail');
});

describe('the injected clock', () => {
  it('a delayed job is claimed when the clock reaches its runAt (a timer armed from the NOTIFY, no polling)', async () => {
    scope = new PgTestScope();
    const clock = new ManualClock(new Date());
    const adapter = await scope.adapter({}, { clock });
    const leases: Lease[] = [];
    const consumer = adapter.consume(['q'], { concurrency: 1, leaseDurationMs: 60_000 }, async (lease) => {
      leases.push(lease);
      await lease.complete(undefined);
    });
    const job = newJob({ runAt: new Date(clock.now() + 60_000) });
    await adapter.enqueue([job]);
    expect((await adapter.jobs.get(job.id))?.state).toBe('scheduled');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(leases).toHaveLength(0);
    await clock.advance(60_000);
    await waitFor(() => leases.length === 1, 3000, 'delivery at runAt');
    expect(leases[0]?.job.id).toBe(job.id);
    await consumer.stop();
  });

  it('retention removes finished jobs older than context.retention, and keeps newer ones', async () => {
    scope = new PgTestScope();
    const clock = new ManualClock(new Date());
    const adapter = await scope.adapter({}, { clock, retention: { completedMs: 10_000, failedMs: 20_000 } });
    // Due on the manual clock (a job stamped with the real time would be in its future).
    const done = newJob({ createdAt: new Date(clock.now()), runAt: new Date(clock.now()) });
    const failed = newJob({ createdAt: new Date(clock.now()), runAt: new Date(clock.now()) });
    await adapter.enqueue([done, failed]);
    const consumer = adapter.consume(['q'], { concurrency: 2, leaseDurationMs: 60_000 }, async (lease) => {
      if (lease.job.id === done.id) await lease.complete('ok');
      else await lease.fail({ name: 'Error', message: 'boom' });
    });
    await waitFor(
      async () => (await adapter.jobs.counts()).pending === 0 && (await adapter.jobs.counts()).running === 0,
    );
    await consumer.stop();
    // Retention runs every 5 s (half the shortest retention). Each step lets the run finish and re-arm its timer
    // before time moves on. Once the consumer stopped, two timers are left: retention's and the history/worker
    // upkeep's (every 60 s with the default 7-day history window: it does not fire within these 25 s).
    const step = async (): Promise<void> => {
      await clock.advance(5_000);
      await waitFor(() => clock.pendingTimers === 2, 3000, 'retention to run and re-arm');
    };
    for (let elapsed = 5_000; elapsed <= 15_000; elapsed += 5_000) await step();
    // 15 s: past the completed retention only. The completed job is gone, the failed one stays.
    expect(await adapter.jobs.get(done.id)).toBeNull();
    expect((await adapter.jobs.get(failed.id))?.state).toBe('failed');
    await step();
    await step();
    // 25 s: past the failed retention too.
    expect(await adapter.jobs.get(failed.id)).toBeNull();
  });
});
