import { randomBytes } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertDatabaseReachable } from './database-url.js';
import { newJob, PgTestScope, waitFor } from './helpers.js';

let scope: PgTestScope;
beforeAll(assertDatabaseReachable);
afterEach(async (context) => {
  await scope.dispose(context.task.result?.state !== 'fail');
});

describe('connection loss', () => {
  it('pg_terminate_backend on every adapter connection mid-run loses no acknowledged job; the worker recovers by itself', async () => {
    scope = new PgTestScope();
    // A name of this test's own, so only these connections are terminated.
    const applicationName = `sy-connloss-${randomBytes(4).toString('hex')}`;
    const adapter = await scope.adapter({ applicationName, pollIntervalMs: 200 });
    const completed = new Set<string>();
    let lostSettlements = 0;
    const consumer = adapter.consume(['q'], { concurrency: 4, leaseDurationMs: 1000 }, async (lease) => {
      await new Promise((resolve) => setTimeout(resolve, 2));
      try {
        await lease.complete(null);
        completed.add(lease.job.id);
      } catch {
        // A settlement lost with its connection: the lease expires and the job is redelivered.
        lostSettlements++;
      }
    });

    const acknowledged: string[] = [];
    let rejected = 0;
    const terminate = async (): Promise<number> => {
      const { rows } = await scope.raw.query<{ killed: boolean }>(
        `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE application_name LIKE $1`,
        [`${applicationName}%`],
      );
      return rows.length;
    };
    for (let round = 0; round < 20; round++) {
      const batch = Array.from({ length: 10 }, () => newJob());
      try {
        await adapter.enqueue(batch);
        acknowledged.push(...batch.map((job) => job.id));
      } catch {
        // Not acknowledged: the caller saw the failure, so nothing is promised for this batch.
        rejected++;
      }
      if (round === 5 || round === 12) expect(await terminate()).toBeGreaterThan(0);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    await waitFor(
      () => acknowledged.every((id) => completed.has(id)),
      15_000,
      'every acknowledged job to complete',
    );
    // An enqueue that failed may still have committed (the connection died after COMMIT), so those may exist too.
    await waitFor(
      async () => {
        const counts = await adapter.jobs.counts({ queue: 'q' });
        return counts.pending + counts.running + counts.retrying === 0;
      },
      10_000,
      'nothing left unfinished',
    );
    const counts = await adapter.jobs.counts({ queue: 'q' });
    expect(counts.completed).toBeGreaterThanOrEqual(acknowledged.length);
    expect(counts.completed).toBeLessThanOrEqual(acknowledged.length + rejected * 10);
    expect(counts.failed + counts.cancelled).toBe(0);
    console.info(
      `connection loss: ${acknowledged.length} acknowledged, ${rejected} batches rejected, ${lostSettlements} settlements lost and redelivered`,
    );
    await consumer.stop();
  }, 30_000);
});
