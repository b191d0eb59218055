/**
 * pg-boss's own tools and producers beside Switchyard on the adapter's schema, with the real `pg-boss`
 * package: its supervisor and maintenance (clock moved 30 days ahead) change no Switchyard job, its
 * queue counters show true counts, plain `send` feeds a Switchyard worker (`foreignJobs`), and a
 * plain pg-boss consumer sees the payload in `data`.
 */
import { pgBossAdapter } from '@switchyard/adapter-pgboss';
import {
  createSwitchyard,
  defineTask,
  type Lease,
  type Logger,
  silentLogger,
  systemClock,
} from '@switchyard/core';
import { PgBoss, TestClock } from 'pg-boss';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { assertDatabaseReachable, DATABASE_URL } from './database-url.js';
import { newJob, PgTestScope, waitFor } from './helpers.js';

const DAY = 24 * 3_600_000;
const SWITCHYARD_COLUMNS = [
  'sy_cancel_requested',
  'sy_error',
  'sy_lease_expires_at',
  'sy_lease_token',
  'sy_max_attempts',
  'sy_metadata',
  'sy_options',
  'sy_progress',
  'sy_redelivered',
  'sy_task',
];

let scope: PgTestScope;
const closers: Array<() => Promise<unknown>> = [];
beforeAll(assertDatabaseReachable);
afterEach(async (context) => {
  for (const close of closers.splice(0).reverse()) await close();
  await scope.dispose(context.task.result?.state !== 'fail');
});

/** A real pg-boss instance on the scope's schema (migrate off: the adapter installed it). */
async function startBoss(options: ConstructorParameters<typeof PgBoss>[0] & object = {}): Promise<{
  boss: PgBoss;
  errors: unknown[];
}> {
  const boss = new PgBoss({ connectionString: DATABASE_URL, schema: scope.schema, ...options });
  const errors: unknown[] = [];
  boss.on('error', (error) => errors.push(error));
  await boss.start();
  closers.push(() => boss.stop({ graceful: false }));
  return { boss, errors };
}

/** Every column of every job row, for a before/after comparison. */
async function jobRows(): Promise<unknown[]> {
  const { rows } = await scope.raw.query(`SELECT * FROM ${scope.schema}.job ORDER BY id`);
  return rows;
}

function collector(): { leases: Lease[]; onLease: (lease: Lease) => Promise<void> } {
  const leases: Lease[] = [];
  return { leases, onLease: async (lease) => void leases.push(lease) };
}

describe("pg-boss's supervisor and maintenance on the adapter's schema", () => {
  it('a co-running pg-boss, its clock 30 days ahead, changes no Switchyard job (and does act on its own)', async () => {
    scope = new PgTestScope();
    const adapter = await scope.adapter();
    const [done, failed, running] = [newJob(), newJob({ maxAttempts: 1 }), newJob()];
    const delayed = newJob({ queue: 'later', runAt: new Date(Date.now() + 20 * DAY) });
    const waiting = newJob({ queue: 'later' });
    await adapter.enqueue([done, failed, running, delayed, waiting]);
    const c = collector();
    // A handler that runs far past pg-boss's 15-minute expiry and 14-day retention (on pg-boss's clock).
    const consumer = adapter.consume(['q'], { concurrency: 3, leaseDurationMs: 60_000 }, c.onLease);
    closers.push(() => consumer.stop());
    await waitFor(() => c.leases.length === 3, 5000, 'three deliveries');
    const lease = (id: string) => c.leases.find((l) => l.job.id === id) as Lease;
    await lease(done.id).complete({ ok: true });
    await lease(failed.id).fail({ name: 'Error', message: 'boom' });
    await lease(running.id).heartbeat();

    // pg-boss's own jobs, to show its maintenance did run: one queued, one taken by a pg-boss worker.
    const clock = new TestClock(Date.now());
    const { boss, errors } = await startBoss({ clock });
    await boss.createQueue('native');
    const nativeQueued = await boss.send('native', { n: 1 });
    const nativeActive = await boss.send('native', { n: 2 }, { retryLimit: 0 });
    await boss.fetch('native', { batchSize: 1 });
    const before = (await jobRows()).filter((row) => (row as { name: string }).name !== 'native');

    await clock.setTime(Date.now() + 30 * DAY);
    await boss.supervise();
    await clock.tick(120_000);
    await boss.supervise();

    expect(errors).toEqual([]);
    const after = await jobRows();
    expect(after.filter((row) => (row as { name: string }).name !== 'native')).toEqual(before);
    // pg-boss did its work on its own rows: the queued one expired (deleted), the running one timed out.
    const native = after.filter((row) => (row as { name: string }).name === 'native') as Array<{
      id: string;
      state: string;
    }>;
    expect(native.find((row) => row.id === nativeQueued)).toBeUndefined();
    expect(native.find((row) => row.id === nativeActive) ?? { state: 'deleted' }).not.toMatchObject({
      state: 'active',
    });

    // The Switchyard job is still Switchyard's: its lease holds and completes it.
    await lease(running.id).complete('finished');
    expect(await adapter.jobs.get(running.id)).toMatchObject({ state: 'completed', result: 'finished' });
    expect(await adapter.jobs.get(delayed.id)).toMatchObject({ state: 'scheduled', task: delayed.task });
    expect(await adapter.jobs.get(done.id)).toMatchObject({ state: 'completed' });
    expect(await adapter.jobs.get(failed.id)).toMatchObject({ state: 'failed', error: { message: 'boom' } });
  });

  it("pg-boss's columns on Switchyard rows: never expire or delete; the long expiry only while Switchyard runs the job", async () => {
    scope = new PgTestScope();
    const adapter = await scope.adapter();
    const job = newJob({ maxAttempts: 3 });
    await adapter.enqueue([job]);
    const columns = async () => {
      const { rows } = await scope.raw.query(
        `SELECT state, keep_until = 'infinity' AS kept, deletion_seconds, expire_seconds, heartbeat_seconds
           FROM ${scope.schema}.job WHERE id = $1`,
        [job.id],
      );
      return rows[0];
    };
    const waiting = { kept: true, deletion_seconds: 0, expire_seconds: 900, heartbeat_seconds: null };
    expect(await columns()).toEqual({ state: 'created', ...waiting });
    const c = collector();
    const consumer = adapter.consume(['q'], { concurrency: 1, leaseDurationMs: 30_000 }, c.onLease);
    closers.push(() => consumer.stop());
    await waitFor(() => c.leases.length === 1, 5000, 'first delivery');
    expect(await columns()).toMatchObject({ state: 'active', expire_seconds: 2_147_483_647 });
    await c.leases[0]?.retry(new Date(Date.now() + 3_600_000), { name: 'Error', message: 'later' });
    expect(await columns()).toEqual({ state: 'retry', ...waiting });
    await consumer.stop();
    await adapter.jobs.cancel(job.id);
    await adapter.jobs.retry(job.id);
    expect(await columns()).toEqual({ state: 'created', ...waiting });
  });

  it("pg-boss's queue counters (getQueues, the dashboard) show true counts after the adapter's upkeep", async () => {
    scope = new PgTestScope();
    const adapter = await scope.adapter({}, { historyRetentionMs: 10_000 });
    await adapter.enqueue([
      newJob(),
      newJob(),
      newJob({ queue: 'later', runAt: new Date(Date.now() + DAY) }),
    ]);
    const c = collector();
    const consumer = adapter.consume(['q'], { concurrency: 1, leaseDurationMs: 30_000 }, c.onLease);
    closers.push(() => consumer.stop());
    await waitFor(() => c.leases.length === 1, 5000, 'one delivery');
    const { boss } = await startBoss({ supervise: false });
    const counts = async () =>
      Object.fromEntries(
        (await boss.getQueues(['q', 'later'])).map((queue) => [
          queue.name,
          [queue.queuedCount, queue.readyCount, queue.deferredCount, queue.activeCount, queue.totalCount],
        ]),
      );
    await waitFor(
      async () =>
        JSON.stringify(await counts()) === JSON.stringify({ later: [1, 0, 1, 0, 1], q: [1, 1, 0, 1, 2] }),
      5000,
      'counts refreshed by upkeep',
    );
    await c.leases[0]?.complete(null);
  });

  it('detectSchemaDrift reports the Switchyard columns as column drift, and nothing else', async () => {
    scope = new PgTestScope();
    await scope.adapter();
    const { boss } = await startBoss({ supervise: false });
    const report = await boss.detectSchemaDrift();
    expect(report.missingTables).toEqual([]);
    expect(report.missing).toEqual([]);
    expect(report.mismatched).toEqual([]);
    expect(report.enumDrift).toBeNull();
    // The job table and its partition have Switchyard's columns, which pg-boss does not expect; nothing else differs.
    expect(report.columnDrift.map((table) => table.table).sort()).toEqual(['job', 'job_common']);
    for (const table of report.columnDrift) {
      expect(table).toMatchObject({ missingColumns: [], defaultMismatches: [], typeMismatches: [] });
      expect(table.unexpectedColumns.sort()).toEqual(SWITCHYARD_COLUMNS);
    }
    expect(report.ok).toBe(false);
    // Switchyard's indexes are reported as extra (informational in pg-boss).
    expect(
      report.extraIndexes.map((index) => index.name).every((name) => name.startsWith('switchyard_')),
    ).toBe(true);
  });
});

const resizeRuns: Array<{ url: string; width: number; attempt: number }> = [];
const resizeImage = defineTask({
  name: 'resize-image',
  queue: 'images',
  schema: z.object({ url: z.url(), width: z.number().int().positive().default(128) }),
  retry: { attempts: 1 },
  handler: ({ url, width }, ctx) => {
    resizeRuns.push({ url, width, attempt: ctx.attempt });
    if (url.includes('flaky') && ctx.attempt === 1) throw new Error('image service busy');
    return { thumbnail: `${url}?w=${width}` };
  },
});
const notify = defineTask({
  name: 'notify',
  queue: 'events',
  schema: z.object({ user: z.string(), kind: z.string() }),
  handler: ({ user, kind }) => ({ notified: `${user}:${kind}` }),
});

describe("pg-boss's job actions on Switchyard jobs", () => {
  it('cancel, resume and deleteJob act as their Switchyard counterparts; retry keeps the attempts used', async () => {
    scope = new PgTestScope();
    const adapter = await scope.adapter();
    const [running, exhausted] = [newJob(), newJob({ maxAttempts: 1 })];
    const [waiting, removed] = [newJob({ queue: 'w' }), newJob({ queue: 'w' })];
    await adapter.enqueue([running, exhausted, waiting, removed]);
    const c = collector();
    const consumer = adapter.consume(['q'], { concurrency: 3, leaseDurationMs: 30_000 }, c.onLease);
    closers.push(() => consumer.stop());
    await waitFor(() => c.leases.length === 2, 5000, 'two deliveries');
    const lease = (id: string) => c.leases.find((l) => l.job.id === id) as Lease;
    await lease(exhausted.id).fail({ name: 'Error', message: 'boom' });
    const { boss } = await startBoss({ supervise: false });

    await boss.cancel('q', running.id);
    expect((await adapter.jobs.get(running.id))?.state).toBe('cancelled');
    await lease(running.id).heartbeat();
    expect(lease(running.id).signal.reason).toMatchObject({ code: 'LEASE_EXPIRED' });
    await boss.cancel('w', waiting.id);
    expect((await adapter.jobs.get(waiting.id))?.state).toBe('cancelled');
    await boss.resume('w', waiting.id);
    expect((await adapter.jobs.get(waiting.id))?.state).toBe('pending');
    await boss.deleteJob('w', removed.id);
    expect(await adapter.jobs.get(removed.id)).toBeNull();

    // pg-boss's retry puts it back with its attempt count: delivered as attempt 2 of 1, which core fails.
    await boss.retry('q', exhausted.id);
    await waitFor(() => c.leases.length === 3, 5000, 'the retried job delivered');
    expect(c.leases[2]?.job).toMatchObject({
      id: exhausted.id,
      attempt: 2,
      maxAttempts: 1,
      task: exhausted.task,
    });
  });
});

describe('plain pg-boss producers feeding a Switchyard worker (foreignJobs)', () => {
  async function startYard() {
    const adapter = pgBossAdapter({
      connectionString: DATABASE_URL,
      schema: scope.schema,
      pollIntervalMs: 100,
      foreignJobs: {
        images: { task: 'resize-image' },
        events: (row) => {
          const data = row.data as { userId: string; kind: string };
          return {
            task: 'notify',
            payload: { user: data.userId, kind: data.kind },
            metadata: { via: 'pg-boss' },
          };
        },
      },
    });
    const yard = createSwitchyard({ adapter, tasks: [resizeImage, notify], publishEvents: false });
    await yard.start();
    closers.push(() => yard.close());
    const { boss } = await startBoss({ supervise: false });
    for (const queue of ['images', 'events', 'stray']) await boss.createQueue(queue);
    return { yard, boss };
  }

  it("`boss.send(queue, data)` runs the mapped task, validated by the task's schema; a bad payload fails, data kept", async () => {
    scope = new PgTestScope();
    resizeRuns.length = 0;
    const { yard, boss } = await startYard();
    const good = (await boss.send('images', { url: 'https://example.com/cat.png' })) as string;
    const flaky = (await boss.send(
      'images',
      { url: 'https://example.com/flaky.png' },
      { retryLimit: 1 },
    )) as string;
    const bad = (await boss.send('images', { url: 'not a url' })) as string;
    const mapped = (await boss.send('events', { userId: 'u1', kind: 'signup' })) as string;
    const stray = (await boss.send('stray', { anything: true })) as string;
    // pg-boss's singletonKey is Switchyard's uniqueKey: one held by an unfinished Switchyard job refuses the adoption.
    const holder = await yard.enqueue(
      resizeImage,
      { url: 'https://example.com/held.png' },
      { uniqueKey: 'k1', delay: '1h' },
    );
    const clash = (await boss.send(
      'images',
      { url: 'https://example.com/clash.png' },
      { singletonKey: 'k1' },
    )) as string;
    const worker = yard.createWorker({
      concurrency: 4,
      scheduler: false,
      queues: ['images', 'events', 'stray'],
    });
    await worker.start();
    closers.push(() => worker.stop());

    expect(await yard.jobs.waitFor(good, { timeout: '10s' })).toMatchObject({
      task: 'resize-image',
      queue: 'images',
      state: 'completed',
      payload: { url: 'https://example.com/cat.png' },
      result: { thumbnail: 'https://example.com/cat.png?w=128' },
      maxAttempts: 3,
    });
    // pg-boss's retryLimit 1 → two attempts; the first failure is retried.
    expect(await yard.jobs.waitFor(flaky, { timeout: '10s' })).toMatchObject({
      state: 'completed',
      attempt: 2,
      maxAttempts: 2,
    });
    const rejected = await yard.jobs.waitFor(bad, { timeout: '10s' });
    expect(rejected).toMatchObject({ state: 'failed', payload: { url: 'not a url' } });
    expect(resizeRuns.map((run) => run.url)).not.toContain('not a url');
    expect(await yard.jobs.waitFor(mapped, { timeout: '10s' })).toMatchObject({
      task: 'notify',
      state: 'completed',
      payload: { user: 'u1', kind: 'signup' },
      metadata: { via: 'pg-boss' },
      result: { notified: 'u1:signup' },
    });
    // No mapping for its queue: failed as malformed, pg-boss's data kept for inspection.
    const unmapped = await yard.jobs.waitFor(stray, { timeout: '10s' });
    expect(unmapped).toMatchObject({ state: 'failed', payload: { anything: true } });
    expect(unmapped.error?.message).toMatch(/foreignJobs/);
    expect(await yard.jobs.get(holder.id)).toMatchObject({ state: 'scheduled', uniqueKey: 'k1' });
    const refused = await yard.jobs.waitFor(clash, { timeout: '10s' });
    expect(refused).toMatchObject({ state: 'failed', payload: { url: 'https://example.com/clash.png' } });
    expect(refused.error?.message).toMatch(/singletonKey "k1" is held/);
    // pg-boss sees the outcome of its job as its own.
    expect(await boss.getJobById('images', good)).toMatchObject({
      state: 'completed',
      output: { thumbnail: 'https://example.com/cat.png?w=128' },
    });
  });
});

describe('a plain pg-boss consumer on a Switchyard queue', () => {
  it("a Switchyard job a pg-boss consumer failed, or held until pg-boss's timeout, keeps its task and options", async () => {
    scope = new PgTestScope();
    const adapter = await scope.adapter();
    const failedByBoss = newJob({ queue: 'shared', metadata: { tenant: 't1' }, timeoutMs: 5000 });
    const heldByBoss = newJob({ queue: 'shared', backoff: { type: 'fixed', delay: 10 } });
    await adapter.enqueue([failedByBoss, heldByBoss]);
    const clock = new TestClock(Date.now());
    const { boss, errors } = await startBoss({ clock });
    const taken = await boss.fetch('shared', { batchSize: 2 });
    expect(taken.map((job) => job.id).sort()).toEqual([failedByBoss.id, heldByBoss.id].sort());
    // pg-boss fails a job by deleting the row and inserting a copy of its own columns.
    await boss.fail('shared', failedByBoss.id, new Error('pg-boss handler threw'));
    // The other one's pg-boss worker "died": pg-boss's supervisor times it out (15 minutes, pg-boss's default).
    await clock.setTime(Date.now() + 3_600_000);
    await boss.supervise();
    expect(errors).toEqual([]);

    for (const job of [failedByBoss, heldByBoss]) {
      const record = await adapter.jobs.get(job.id);
      expect(record).toMatchObject({
        task: job.task,
        maxAttempts: job.maxAttempts,
        metadata: job.metadata,
      });
      expect(['pending', 'retrying']).toContain(record?.state);
    }
    expect(await adapter.jobs.get(failedByBoss.id)).toMatchObject({ timeoutMs: 5000 });
    expect(await adapter.jobs.get(heldByBoss.id)).toMatchObject({ backoff: { type: 'fixed', delay: 10 } });
    const { rows: stash } = await scope.raw.query(`SELECT id FROM ${scope.schema}.switchyard_stash`);
    expect(stash).toEqual([]);

    // A Switchyard worker runs both as ordinary Switchyard jobs (once due: pg-boss's retry time is on its
    // clock, an hour ahead of the real one).
    await scope.raw.query(`UPDATE ${scope.schema}.job SET start_after = now() WHERE name = 'shared'`);
    const c = collector();
    const consumer = adapter.consume(['shared'], { concurrency: 2, leaseDurationMs: 30_000 }, c.onLease);
    closers.push(() => consumer.stop());
    await waitFor(() => c.leases.length === 2, 5000, 'both redelivered to Switchyard');
    for (const lease of c.leases) {
      expect(lease.malformed).toBeUndefined();
      expect(lease.job.task).toBe(failedByBoss.task);
      await lease.complete('ok');
    }
    expect((await adapter.jobs.get(heldByBoss.id))?.state).toBe('completed');
  });

  it('sees the payload as `data`; a live pg-boss worker on a consumed queue is named in a warning', async () => {
    scope = new PgTestScope();
    const warnings: Array<{ obj: object; msg?: string }> = [];
    const logger: Logger = { ...silentLogger, warn: (obj, msg) => void warnings.push({ obj, msg }) };
    const adapter = await scope.adapter({}, { logger, clock: systemClock, historyRetentionMs: 10_000 });
    const job = newJob({ queue: 'shared', payload: { orderId: 'o-1', lines: [1, 2] } });
    await adapter.enqueue([job]);
    const { boss } = await startBoss({ supervise: false, instanceHeartbeatSeconds: 1 });
    const [fetched] = await boss.fetch('shared', { includeMetadata: true });
    expect(fetched).toMatchObject({ id: job.id, name: 'shared', data: { orderId: 'o-1', lines: [1, 2] } });

    await boss.work('shared', { pollingIntervalSeconds: 1 }, async () => {});
    const c = collector();
    const consumer = adapter.consume(['shared'], { concurrency: 1, leaseDurationMs: 30_000 }, c.onLease);
    closers.push(() => consumer.stop());
    await waitFor(
      () => warnings.some((w) => (w.obj as { queue?: string }).queue === 'shared'),
      8000,
      'a warning naming the pg-boss worker',
    );
    expect(warnings.find((w) => (w.obj as { queue?: string }).queue === 'shared')?.msg).toMatch(
      /plain pg-boss worker/,
    );
  });
});
