import type { Lease } from '@switchyard/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertDatabaseReachable } from './database-url.js';
import { newJob, PgTestScope, waitFor } from './helpers.js';

let scope: PgTestScope;
beforeAll(assertDatabaseReachable);
afterEach(async (context) => {
  await scope.dispose(context.task.result?.state !== 'fail');
});

describe('batched completions', () => {
  it('store every result, never run more than `concurrency` handlers, and refill the freed slots', async () => {
    scope = new PgTestScope();
    const adapter = await scope.adapter();
    const jobs = Array.from({ length: 7 }, (_, n) => newJob({ payload: { n } }));
    await adapter.enqueue(jobs);

    let held = 0;
    let mostHeld = 0;
    let done = 0;
    const consumer = adapter.consume(['q'], { concurrency: 2, leaseDurationMs: 5000 }, async (lease) => {
      held++;
      mostHeld = Math.max(mostHeld, held);
      // Settle on a later tick, so completions arrive both alone and together.
      await new Promise((resolve) => setTimeout(resolve, 5));
      held--;
      await lease.complete({ doubled: (lease.job.payload as { n: number }).n * 2 });
      done++;
    });
    await waitFor(() => done === jobs.length, 5000, 'all jobs completed');
    await consumer.stop();

    expect(mostHeld).toBeLessThanOrEqual(2);
    for (const [n, job] of jobs.entries()) {
      expect(await adapter.jobs.get(job.id)).toMatchObject({
        state: 'completed',
        result: { doubled: n * 2 },
      });
    }
    expect((await adapter.jobs.counts({ queue: 'q' })).running).toBe(0);
  });

  it('of a stale holder whose consumer still runs change nothing', async () => {
    scope = new PgTestScope();
    const first = await scope.adapter();
    const second = await scope.adapter();
    const job = newJob();
    await first.enqueue([job]);

    const held: Lease[] = [];
    const consumerA = first.consume(['q'], { concurrency: 1, leaseDurationMs: 200 }, async (lease) => {
      held.push(lease);
    });
    await waitFor(() => held.length === 1, 3000, 'first delivery');

    // The holder stalls past its lease; another process redelivers the job while consumer A keeps running.
    const redelivered: Lease[] = [];
    const consumerB = second.consume(['q'], { concurrency: 1, leaseDurationMs: 5000 }, async (lease) => {
      redelivered.push(lease);
    });
    await waitFor(() => redelivered.length === 1, 5000, 'redelivery');

    // Batched like any completion, but guarded by the old lease token: a no-op.
    await held[0]?.complete('stale');
    expect(await first.jobs.get(job.id)).toMatchObject({ state: 'running', attempt: 2 });

    await redelivered[0]?.complete('fresh');
    expect(await first.jobs.get(job.id)).toMatchObject({ state: 'completed', result: 'fresh' });
    expect(held).toHaveLength(1);
    await consumerA.stop();
    await consumerB.stop();
  });

  it('are written before close() ends the pool, though their slots were freed at once', async () => {
    scope = new PgTestScope();
    const adapter = await scope.adapter();
    const job = newJob();
    await adapter.enqueue([job]);
    let written: Promise<void> | undefined;
    let closed: Promise<void> | undefined;
    adapter.consume(['q'], { concurrency: 1, leaseDurationMs: 5000 }, async (lease) => {
      // Close in the same tick: the batched write has not even been sent yet.
      written = lease.complete('done');
      closed = adapter.close();
    });
    await waitFor(() => closed !== undefined, 3000, 'delivery');
    await closed;
    await expect(written).resolves.toBeUndefined();
    const { rows } = await scope.raw.query(`SELECT state, output FROM ${scope.schema}.job WHERE id = $1`, [
      job.id,
    ]);
    expect(rows).toEqual([{ state: 'completed', output: 'done' }]);
  });
});
