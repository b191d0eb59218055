/** `stats.queues()`: counts per queue and state, pause flags and the oldest pending job; and a yard's summary on it. */
import { createSwitchyard, defineTask, type JobCounts } from '@switchyard/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertDatabaseReachable } from './database-url.js';
import { newJob, PgTestScope, waitFor } from './helpers.js';

let scope: PgTestScope;
beforeAll(assertDatabaseReachable);
afterEach(async (context) => {
  await scope.dispose(context.task.result?.state !== 'fail');
});

const zero: JobCounts = {
  scheduled: 0,
  pending: 0,
  running: 0,
  retrying: 0,
  completed: 0,
  failed: 0,
  cancelled: 0,
};

describe('stats.queues', () => {
  it('counts each state per queue, reports pause flags and when the oldest pending job became runnable', async () => {
    scope = new PgTestScope();
    const adapter = await scope.adapter();
    const now = Date.now();
    const oldestDue = new Date(now - 60_000);
    const jobs = {
      pendingOld: newJob({ queue: 'a', runAt: oldestDue, createdAt: new Date(now - 120_000) }),
      pendingNew: newJob({ queue: 'a', runAt: new Date(now - 1_000) }),
      scheduled: newJob({ queue: 'a', runAt: new Date(now + 3_600_000) }),
      retryDue: newJob({ queue: 'b' }),
      retryLater: newJob({ queue: 'b' }),
      running: newJob({ queue: 'b' }),
      completed: newJob({ queue: 'b' }),
      failed: newJob({ queue: 'b' }),
      cancelled: newJob({ queue: 'b' }),
      onlyScheduled: newJob({ queue: 'c', runAt: new Date(now + 60_000) }),
      // pg-boss's `blocked` (a job waiting on dependencies) sits between state and start_after in job_i14.
      blockedDue: newJob({ queue: 'd', runAt: new Date(now - 30_000) }),
      blockedLater: newJob({ queue: 'd', runAt: new Date(now + 60_000) }),
      unblockedDue: newJob({ queue: 'd', runAt: new Date(now - 5_000) }),
    };
    await adapter.enqueue(Object.values(jobs));
    const s = scope.schema;
    const set = (id: string, assignments: string) =>
      scope.raw.query(`UPDATE ${s}.job SET ${assignments} WHERE id = $1`, [id]);
    // A due retry that became runnable before every created job: it is the oldest pending of queue b.
    await set(jobs.retryDue.id, `state = 'retry', start_after = now() - interval '10 minutes'`);
    await set(jobs.retryLater.id, `state = 'retry', start_after = now() + interval '10 minutes'`);
    await set(jobs.running.id, `state = 'active', sy_lease_expires_at = now() + interval '1 minute'`);
    for (const state of ['completed', 'failed', 'cancelled'] as const)
      await set(jobs[state].id, `state = '${state}', completed_on = now()`);
    await set(jobs.blockedDue.id, 'blocked = true');
    await set(jobs.blockedLater.id, 'blocked = true');
    await adapter.queues.pause('b');
    await adapter.queues.pause('empty-but-paused');

    const snapshots = await adapter.stats.queues();
    expect(snapshots.map((snapshot) => snapshot.queue)).toEqual(['a', 'b', 'c', 'd', 'empty-but-paused']);
    const [a, b, c, d, empty] = snapshots;
    expect(a).toEqual({
      queue: 'a',
      counts: { ...zero, pending: 2, scheduled: 1 },
      oldestPendingAt: oldestDue,
      paused: false,
    });
    const { rows } = await scope.raw.query(`SELECT start_after FROM ${s}.job WHERE id = $1`, [
      jobs.retryDue.id,
    ]);
    expect(b).toEqual({
      queue: 'b',
      counts: { ...zero, pending: 1, retrying: 1, running: 1, completed: 1, failed: 1, cancelled: 1 },
      oldestPendingAt: rows[0].start_after,
      paused: true,
    });
    expect(c).toEqual({
      queue: 'c',
      counts: { ...zero, scheduled: 1 },
      oldestPendingAt: null,
      paused: false,
    });
    // Blocked rows count in their state, as pg-boss stores them; the earliest start_after is a blocked one.
    expect(d).toEqual({
      queue: 'd',
      counts: { ...zero, pending: 2, scheduled: 1 },
      oldestPendingAt: new Date(now - 30_000),
      paused: false,
    });
    expect(empty).toEqual({ queue: 'empty-but-paused', counts: zero, oldestPendingAt: null, paused: true });
    // The same counts as jobs.counts, queue by queue.
    for (const snapshot of snapshots)
      expect(snapshot.counts).toEqual(await adapter.jobs.counts({ queue: snapshot.queue }));
  });

  it("a yard's stats.summary() shows counts, live workers and throughput from this backend", async () => {
    scope = new PgTestScope();
    const task = defineTask({ name: 'work', handler: async () => 'done' });
    const yard = createSwitchyard({
      adapter: await scope.adapter(),
      tasks: [task],
      history: { flushInterval: '50ms' },
    });
    await yard.start();
    await yard.enqueueMany(task, [{}, {}, {}]);
    const worker = yard.createWorker({ queues: ['default'], concurrency: 2 });
    await worker.start();
    await waitFor(async () => (await yard.jobs.counts()).completed === 3, 5000, 'three completions');
    await waitFor(
      async () => (await yard.stats.summary()).totals.jobsPerMinute > 0,
      5000,
      'the history flush',
    );
    const summary = await yard.stats.summary();
    expect(summary.totals).toEqual({ counts: { ...zero, completed: 3 }, workers: 1, jobsPerMinute: 3 / 5 });
    expect(summary.queues).toEqual([
      {
        queue: 'default',
        counts: { ...zero, completed: 3 },
        oldestPendingAgeMs: null,
        paused: false,
        workers: 1,
        jobsPerMinute: 3 / 5,
      },
    ]);
    await worker.stop();
    await yard.close();
  });
});
