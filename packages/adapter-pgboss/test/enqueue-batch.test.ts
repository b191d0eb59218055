import { channelFor } from '@switchyard/adapter-pgboss';
import pg from 'pg';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertDatabaseReachable, DATABASE_URL } from './database-url.js';
import { newJob, PgTestScope, waitFor } from './helpers.js';

let scope: PgTestScope;
beforeAll(assertDatabaseReachable);
afterEach(async (context) => {
  await scope.dispose(context.task.result?.state !== 'fail');
});

describe('batch enqueue without uniqueKey or tx (plain INSERT)', () => {
  it('jobs of different shapes in one batch round-trip exactly, into a queue registered by the same statement', async () => {
    scope = new PgTestScope();
    const adapter = await scope.adapter();
    const now = Date.now();
    const later = new Date(now + 3_600_000);
    const shared = { tenant: 'a' };
    const jobs = [
      newJob({ payload: { n: 1 }, metadata: shared }),
      newJob({ payload: { n: 2 }, metadata: shared }),
      newJob({ queue: 'fresh', task: 'other', priority: 0, runAt: later, payload: null, maxAttempts: null }),
      newJob({ payload: 'text', backoff: { type: 'fixed', delay: 500 }, timeoutMs: 1500 }),
      newJob({ payload: [1, { two: [3] }], metadata: { traceparent: '00-abc-def-01' }, priority: 9 }),
      newJob({ payload: { n: 3 }, metadata: shared }),
    ];
    expect(await adapter.enqueue(jobs)).toEqual(jobs.map((job) => ({ status: 'created', id: job.id })));
    for (const job of jobs) {
      expect(await adapter.jobs.get(job.id)).toEqual({
        ...job,
        state: job.runAt.getTime() > Date.now() ? 'scheduled' : 'pending',
        attempt: 0,
      });
    }
    expect(await adapter.queues.list()).toEqual(['fresh', 'q']);
    // The job table's foreign key to pg-boss's queue table held at COMMIT.
    const { rows } = await scope.raw.query(`SELECT name FROM ${scope.schema}.queue ORDER BY name`);
    expect(rows.map((row) => row.name)).toEqual(['fresh', 'q']);
  });

  it('notifies each queue once, with its earliest runAt', async () => {
    scope = new PgTestScope();
    const adapter = await scope.adapter();
    const listener = new pg.Client({ connectionString: DATABASE_URL });
    await listener.connect();
    const heard: string[] = [];
    listener.on('notification', (message) => heard.push(message.payload ?? ''));
    await listener.query(`LISTEN ${channelFor(scope.schema)}`);
    try {
      const now = Date.now();
      const soon = new Date(now + 60_000);
      const sooner = new Date(now + 30_000);
      await adapter.enqueue([
        newJob({ queue: 'a', runAt: soon }),
        newJob({ queue: 'b', runAt: soon }),
        newJob({ queue: 'a', runAt: sooner }),
      ]);
      await waitFor(() => heard.length >= 2, 3000, 'notifications');
      expect(heard.sort()).toEqual([`a|${sooner.getTime()}`, `b|${soon.getTime()}`]);
    } finally {
      await listener.end();
    }
  });

  it('an id that already exists (in any queue) is reported with its holder; the rest are stored once', async () => {
    scope = new PgTestScope();
    const adapter = await scope.adapter();
    const first = newJob({ payload: { version: 1 } });
    await adapter.enqueue([first]);

    const before = newJob();
    const after = newJob();
    expect(await adapter.enqueue([before, { ...first, payload: { version: 2 } }, after])).toEqual([
      { status: 'created', id: before.id },
      { status: 'duplicate', id: first.id, existingJobId: first.id },
      { status: 'created', id: after.id },
    ]);
    // Ids are unique across queues too.
    expect(await adapter.enqueue([{ ...first, queue: 'elsewhere' }])).toEqual([
      { status: 'duplicate', id: first.id, existingJobId: first.id },
    ]);
    expect((await adapter.jobs.get(first.id))?.payload).toEqual({ version: 1 });
    const { rows } = await scope.raw.query(`SELECT count(*)::int AS count FROM ${scope.schema}.job`);
    expect(rows[0].count).toBe(3);
  });
});
