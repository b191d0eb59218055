import { type Lease, MalformedJobError } from '@switchyard/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertDatabaseReachable } from './database-url.js';
import { newJob, PgTestScope, waitFor } from './helpers.js';

let scope: PgTestScope;
beforeAll(assertDatabaseReachable);
afterEach(async (context) => {
  await scope.dispose(context.task.result?.state !== 'fail');
});

/** Collects leases without settling them. */
function collector(): { leases: Lease[]; onLease: (lease: Lease) => Promise<void> } {
  const leases: Lease[] = [];
  return { leases, onLease: async (lease) => void leases.push(lease) };
}

describe('leases on pg-boss', () => {
  it('an expired lease is redelivered (attempt consumed, redelivered flag) and the old holder cannot settle it', async () => {
    scope = new PgTestScope();
    const first = await scope.adapter();
    const second = await scope.adapter();
    const job = newJob();
    await first.enqueue([job]);

    const a = collector();
    const consumerA = first.consume(['q'], { concurrency: 1, leaseDurationMs: 200 }, a.onLease);
    await waitFor(() => a.leases.length === 1, 3000, 'first delivery');
    await consumerA.stop();
    expect(a.leases[0]).toMatchObject({ redelivered: false, job: { attempt: 1, state: 'running' } });

    // The holder "dies" (never heartbeats); another process's sweep redelivers the job.
    const b = collector();
    const consumerB = second.consume(['q'], { concurrency: 1, leaseDurationMs: 5000 }, b.onLease);
    await waitFor(() => b.leases.length === 1, 5000, 'redelivery');
    expect(b.leases[0]).toMatchObject({
      redelivered: true,
      job: { id: job.id, attempt: 2, state: 'running' },
    });

    // The stale holder's settlement is a no-op; its heartbeat reports the lost lease.
    await a.leases[0]?.heartbeat();
    expect(a.leases[0]?.signal.reason).toMatchObject({ code: 'LEASE_EXPIRED' });
    await a.leases[0]?.complete('stale');
    expect((await first.jobs.get(job.id))?.state).toBe('running');

    await b.leases[0]?.complete({ ok: true });
    expect(await first.jobs.get(job.id)).toMatchObject({
      state: 'completed',
      result: { ok: true },
      attempt: 2,
    });
    await consumerB.stop();
  });

  it('a cancel requested from another process aborts the holder and the job ends cancelled', async () => {
    scope = new PgTestScope();
    const holder = await scope.adapter();
    const other = await scope.adapter();
    const job = newJob();
    await holder.enqueue([job]);
    const c = collector();
    const consumer = holder.consume(['q'], { concurrency: 1, leaseDurationMs: 5000 }, c.onLease);
    await waitFor(() => c.leases.length === 1, 3000, 'delivery');
    expect(await other.jobs.cancel(job.id)).toBe('requested');
    expect((await other.jobs.get(job.id))?.cancelRequested).toBe(true);
    // Via NOTIFY at once; the heartbeat would notice it too.
    await waitFor(() => c.leases[0]?.signal.aborted === true, 3000, 'abort');
    expect(c.leases[0]?.signal.reason).toMatchObject({ code: 'JOB_CANCELLED' });
    await c.leases[0]?.heartbeat();
    await c.leases[0]?.cancelled();
    expect((await other.jobs.get(job.id))?.state).toBe('cancelled');
    await consumer.stop();
  });

  it('a job whose cancel was requested while its holder died ends cancelled, not redelivered', async () => {
    scope = new PgTestScope();
    const adapter = await scope.adapter();
    const job = newJob();
    await adapter.enqueue([job]);
    const dead = collector();
    const consumer = adapter.consume(['q'], { concurrency: 1, leaseDurationMs: 150 }, dead.onLease);
    await waitFor(() => dead.leases.length === 1, 3000, 'delivery');
    expect(await adapter.jobs.cancel(job.id)).toBe('requested');
    // The holder never heartbeats nor settles: the sweep finds the expired lease with the cancel request.
    await waitFor(
      async () => (await adapter.jobs.get(job.id))?.state === 'cancelled',
      3000,
      'cancelled by the sweep',
    );
    expect(dead.leases).toHaveLength(1);
    await consumer.stop();
  });

  it('release gives the job back with its attempt, and never more than `concurrency` leases are unsettled', async () => {
    scope = new PgTestScope();
    const adapter = await scope.adapter();
    await adapter.enqueue(Array.from({ length: 6 }, (_, n) => newJob({ payload: { n } })));
    const c = collector();
    const consumer = adapter.consume(['q'], { concurrency: 2, leaseDurationMs: 5000 }, c.onLease);
    await waitFor(() => c.leases.length === 2, 3000, 'two deliveries');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(c.leases).toHaveLength(2);
    const released = c.leases[0];
    await released?.release();
    await waitFor(() => c.leases.length === 3, 3000, 'a third delivery');
    // The released job was first in order, so it is delivered again at once, with the same attempt number.
    expect(c.leases[2]?.job).toMatchObject({ id: released?.job.id, attempt: 1 });
    expect(c.leases[2]?.redelivered).toBe(false);
    await consumer.stop();
  });

  it('a corrupt row is delivered as malformed and the consumer goes on', async () => {
    scope = new PgTestScope();
    const adapter = await scope.adapter();
    const bad = newJob({ priority: 0 });
    const good = newJob({ priority: 1 });
    await adapter.enqueue([bad, good]);
    await scope.raw.query(`UPDATE ${scope.schema}.job SET sy_metadata = '[1,2]'::jsonb WHERE id = $1`, [
      bad.id,
    ]);
    const c = collector();
    const consumer = adapter.consume(['q'], { concurrency: 2, leaseDurationMs: 5000 }, async (lease) => {
      c.leases.push(lease);
      if (lease.malformed) await lease.fail({ name: lease.malformed.name, message: lease.malformed.message });
      else await lease.complete(null);
    });
    await waitFor(() => c.leases.length === 2, 3000, 'both deliveries');
    expect(c.leases[0]?.job.id).toBe(bad.id);
    expect(c.leases[0]?.malformed).toBeInstanceOf(MalformedJobError);
    expect(c.leases[1]?.malformed).toBeUndefined();
    await waitFor(
      async () => (await adapter.jobs.get(good.id))?.state === 'completed',
      3000,
      'good job completed',
    );
    expect(await adapter.jobs.get(bad.id)).toMatchObject({
      state: 'failed',
      error: { name: 'MalformedJobError' },
    });
    // JSON null is a result, distinct from none.
    expect(await adapter.jobs.get(good.id)).toHaveProperty('result', null);
    await consumer.stop();
  });

  it('a row another writer marked active without a lease is redelivered once pg-boss expiry passed, not before', async () => {
    scope = new PgTestScope();
    const adapter = await scope.adapter();
    const abandoned = newJob();
    const held = newJob();
    await adapter.enqueue([abandoned, held]);
    // As a pg-boss worker marks what it fetched: active, started, no Switchyard lease.
    const markActive = (id: string, startedSecondsAgo: number) =>
      scope.raw.query(
        `UPDATE ${scope.schema}.job SET state = 'active', expire_seconds = 60,
                started_on = now() - make_interval(secs => $2) WHERE id = $1`,
        [id, startedSecondsAgo],
      );
    await markActive(abandoned.id, 120);
    await markActive(held.id, 1);
    const c = collector();
    const consumer = adapter.consume(['q'], { concurrency: 2, leaseDurationMs: 200 }, async (lease) => {
      c.leases.push(lease);
      await lease.complete(null);
    });
    await waitFor(() => c.leases.length === 1, 3000, 'the abandoned row redelivered');
    expect(c.leases[0]).toMatchObject({ redelivered: true, job: { id: abandoned.id } });
    // Several sweeps later, the row whose pg-boss expiry is still ahead is untouched.
    await waitFor(
      async () => (await adapter.jobs.get(abandoned.id))?.state === 'completed',
      3000,
      'the abandoned job completed',
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const row = await scope.raw.query(`SELECT state FROM ${scope.schema}.job WHERE id = $1`, [held.id]);
    expect(row.rows[0]).toEqual({ state: 'active' });
    expect(c.leases).toHaveLength(1);
    await consumer.stop();
  });

  it('a duplicate id or a held unique key reports the existing job; the key is free once it finishes', async () => {
    scope = new PgTestScope();
    const adapter = await scope.adapter();
    const first = newJob({ uniqueKey: 'k' });
    const sameKey = newJob({ uniqueKey: 'k' });
    const otherTask = newJob({ uniqueKey: 'k', task: 'other' });
    expect(await adapter.enqueue([first, sameKey, otherTask, { ...first }])).toEqual([
      { status: 'created', id: first.id },
      { status: 'duplicate', id: sameKey.id, existingJobId: first.id },
      { status: 'created', id: otherTask.id },
      { status: 'duplicate', id: first.id, existingJobId: first.id },
    ]);
    expect(await adapter.jobs.cancel(first.id)).toBe('cancelled');
    const again = newJob({ uniqueKey: 'k' });
    expect(await adapter.enqueue([again])).toEqual([{ status: 'created', id: again.id }]);
  });
});
