/**
 * `jobs.bulk` acts only on jobs still in the listed states: jobs that changed between the
 * list and the action (claimed, retried, removed) are skipped and left exactly as they are.
 * States are read back with raw SQL, not through the adapter.
 */
import { type JobState, type Lease, normalizeListQuery, type QueueAdapterV2 } from '@switchyard/core';
import pg from 'pg';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertDatabaseReachable, DATABASE_URL } from './database-url.js';
import { newJob, PgTestScope, waitFor } from './helpers.js';

let scope: PgTestScope;
let pool: pg.Pool | undefined;
beforeAll(assertDatabaseReachable);
afterEach(async (context) => {
  await scope.dispose(context.task.result?.state !== 'fail');
  await pool?.end();
  pool = undefined;
});

/** pg-boss state, lease token and attempt of each job, read with raw SQL. */
async function rawRows(ids: string[]) {
  const { rows } = await scope.raw.query<{
    id: string;
    state: string;
    token: string | null;
    attempt: number;
  }>(
    `SELECT id::text, state::text, sy_lease_token::text AS token, retry_count AS attempt
       FROM ${scope.schema}.job WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  return new Map(rows.map((row) => [row.id, row]));
}

async function setState(ids: string[], state: 'failed' | 'completed' | 'cancelled'): Promise<void> {
  await scope.raw.query(
    `UPDATE ${scope.schema}.job SET state = $2::${scope.schema}.job_state, completed_on = now(), retry_count = 1
      WHERE id = ANY($1::uuid[])`,
    [ids, state],
  );
}

/**
 * A consumer of one slot that holds the lease it gets until its signal aborts (a cancel request), then
 * reports it cancelled. Holding its only slot, it claims nothing else meanwhile.
 */
function holdLeases(adapter: QueueAdapterV2, queue = 'q') {
  const leases: Lease[] = [];
  const consumer = adapter.consume([queue], { concurrency: 1, leaseDurationMs: 30_000 }, async (lease) => {
    leases.push(lease);
    await new Promise((resolve) => lease.signal.addEventListener('abort', resolve, { once: true }));
    await lease.cancelled();
  });
  return { leases, consumer };
}

/** Ends a held lease the way an operator would: a cancel request, which the holder hears and honours. */
async function releaseHeld(adapter: QueueAdapterV2, holder: ReturnType<typeof holdLeases>, id: string) {
  expect(await adapter.jobs.cancel(id)).toBe('requested');
  await waitFor(
    async () => (await rawRows([id])).get(id)?.state === 'cancelled',
    5000,
    'the holder to cancel',
  );
  await holder.consumer.stop();
}

async function listIds(adapter: QueueAdapterV2, state: JobState | JobState[]): Promise<string[]> {
  const page = await adapter.jobs.list({ ...normalizeListQuery({ state, limit: 1000 }), scanLimit: 5000 });
  return page.jobs.map((job) => job.id);
}

describe('jobs.bulk', () => {
  it('retry: failed jobs go back to pending with a fresh budget; ones retried and claimed meanwhile are not touched', async () => {
    scope = new PgTestScope();
    const adapter = await scope.adapter();
    const jobs = Array.from({ length: 6 }, (_, n) => newJob({ payload: { n } }));
    await adapter.enqueue(jobs);
    const ids = jobs.map((job) => job.id);
    await setState(ids, 'failed');
    const listed = await listIds(adapter, 'failed');
    expect(new Set(listed)).toEqual(new Set(ids));

    // Between list and bulk: job 0 is retried by hand and a worker takes it, job 1 is removed.
    await adapter.jobs.retry(ids[0]!);
    const holder = holdLeases(adapter);
    await waitFor(() => holder.leases.length === 1, 5000, 'the worker to take job 0');
    await adapter.jobs.remove(ids[1]!);
    const before = (await rawRows([ids[0]!])).get(ids[0]!)!;

    const outcome = await adapter.jobs.bulk(listed, 'retry', ['failed', 'cancelled']);
    expect(new Set(outcome.changed)).toEqual(new Set(ids.slice(2)));
    expect(outcome.requested).toEqual([]);

    const after = await rawRows(ids);
    expect(after.get(ids[0]!)).toEqual(before); // still running under the same lease, attempt unchanged
    expect(after.has(ids[1]!)).toBe(false);
    for (const id of ids.slice(2)) expect(after.get(id)).toMatchObject({ state: 'created', attempt: 0 });
    await releaseHeld(adapter, holder, ids[0]!);
  });

  it('cancel: waiting jobs are cancelled, a running one is requested and its holder aborts; others are skipped', async () => {
    scope = new PgTestScope();
    const adapter = await scope.adapter();
    const other = await scope.adapter();
    const running = newJob({ queue: 'busy' });
    const pending = newJob();
    const scheduled = newJob({ runAt: new Date(Date.now() + 3_600_000) });
    const retrying = newJob();
    const done = newJob();
    const claimedMeanwhile = newJob({ queue: 'late' });
    const all = [running, pending, scheduled, retrying, done, claimedMeanwhile];
    await adapter.enqueue(all);
    await scope.raw.query(
      `UPDATE ${scope.schema}.job SET state = 'retry', start_after = now() + interval '1 hour' WHERE id = $1`,
      [retrying.id],
    );
    await setState([done.id], 'completed');
    const holder = holdLeases(adapter, 'busy');
    await waitFor(() => holder.leases.length === 1, 5000, 'the running job');

    const listed = await listIds(other, ['scheduled', 'pending', 'retrying', 'running']);
    expect(new Set(listed)).toEqual(
      new Set([running, pending, scheduled, retrying, claimedMeanwhile].map((j) => j.id)),
    );
    // A worker takes the "late" job after it was listed as pending.
    const late = holdLeases(adapter, 'late');
    await waitFor(() => late.leases.length === 1, 5000, 'the late job to be claimed');

    // Only waiting states for the late job: it is running now, so it is skipped.
    const outcome = await other.jobs.bulk([...listed, done.id], 'cancel', [
      'scheduled',
      'pending',
      'retrying',
      'running',
    ]);
    expect(new Set(outcome.changed)).toEqual(new Set([pending.id, scheduled.id, retrying.id]));
    expect(new Set(outcome.requested)).toEqual(new Set([running.id, claimedMeanwhile.id]));

    // The holder in the other process hears the request at once (NOTIFY), aborts and settles cancelled.
    await waitFor(
      async () => (await rawRows([running.id])).get(running.id)?.state === 'cancelled',
      5000,
      'abort',
    );
    expect(holder.leases[0]!.signal.reason).toMatchObject({ code: 'JOB_CANCELLED' });
    const after = await rawRows(all.map((job) => job.id));
    for (const job of [pending, scheduled, retrying]) expect(after.get(job.id)?.state).toBe('cancelled');
    expect(after.get(done.id)?.state).toBe('completed');
    await holder.consumer.stop();
    await late.consumer.stop();
  });

  it('cancel with waiting states only skips a job a worker took after the list', async () => {
    scope = new PgTestScope();
    const adapter = await scope.adapter();
    const job = newJob();
    await adapter.enqueue([job]);
    const listed = await listIds(adapter, 'pending');
    const holder = holdLeases(adapter);
    await waitFor(() => holder.leases.length === 1, 5000, 'the claim');
    const outcome = await adapter.jobs.bulk(listed, 'cancel', ['pending']);
    expect(outcome).toEqual({ changed: [], requested: [] });
    const row = (await rawRows([job.id])).get(job.id)!;
    expect(row.state).toBe('active');
    const { rows } = await scope.raw.query(
      `SELECT sy_cancel_requested FROM ${scope.schema}.job WHERE id = $1`,
      [job.id],
    );
    expect(rows[0].sy_cancel_requested).toBe(false);
    await releaseHeld(adapter, holder, job.id);
  });

  it('remove: deletes jobs still in the listed states and frees their unique keys', async () => {
    scope = new PgTestScope();
    const adapter = await scope.adapter();
    const keyed = newJob({ uniqueKey: 'k1' });
    const finished = newJob();
    const finishedMeanwhile = newJob();
    await adapter.enqueue([keyed, finished, finishedMeanwhile]);
    await setState([finished.id], 'completed');
    const listed = await listIds(adapter, ['pending', 'completed']);
    await setState([finishedMeanwhile.id], 'failed');

    const outcome = await adapter.jobs.bulk(listed, 'remove', ['pending', 'completed']);
    expect(new Set(outcome.changed)).toEqual(new Set([keyed.id, finished.id]));
    const after = await rawRows([keyed.id, finished.id, finishedMeanwhile.id]);
    expect([...after.keys()]).toEqual([finishedMeanwhile.id]);
    const again = newJob({ uniqueKey: 'k1' });
    expect(await adapter.enqueue([again])).toEqual([{ status: 'created', id: again.id }]);
  });

  it('retry respects unique keys: a key held by an unfinished job is skipped, two listed jobs with one key retry once', async () => {
    scope = new PgTestScope();
    const adapter = await scope.adapter();
    const older = newJob({ uniqueKey: 'shared' });
    await adapter.enqueue([older]);
    await setState([older.id], 'failed');
    const newer = newJob({ uniqueKey: 'shared' });
    await adapter.enqueue([newer]);
    await setState([newer.id], 'failed');
    const blocked = newJob({ uniqueKey: 'held' });
    await adapter.enqueue([blocked]);
    await setState([blocked.id], 'failed');
    const holderOfKey = newJob({ uniqueKey: 'held' });
    await adapter.enqueue([holderOfKey]);

    const outcome = await adapter.jobs.bulk([older.id, newer.id, blocked.id], 'retry', ['failed']);
    expect(outcome.changed).toEqual([newer.id]);
    const after = await rawRows([older.id, newer.id, blocked.id]);
    expect(after.get(older.id)?.state).toBe('failed');
    expect(after.get(newer.id)?.state).toBe('created');
    expect(after.get(blocked.id)?.state).toBe('failed');
  });

  it('never waits for a row lock: a row a writer holds briefly is done on a follow-up, one held throughout is skipped', async () => {
    scope = new PgTestScope();
    const adapter = await scope.adapter();
    const [brief, free, held] = [newJob(), newJob(), newJob()];
    await adapter.enqueue([brief, free, held]);
    const writer = new pg.Client({ connectionString: DATABASE_URL });
    await writer.connect();
    try {
      const lock = async (id: string) => {
        await writer.query('BEGIN');
        await writer.query(`SELECT 1 FROM ${scope.schema}.job WHERE id = $1 FOR UPDATE`, [id]);
      };
      // A heartbeat-like writer holds one row for 30 ms while the bulk statement runs.
      await lock(brief.id);
      const released = new Promise((resolve) => setTimeout(resolve, 30)).then(() => writer.query('COMMIT'));
      const outcome = await adapter.jobs.bulk([brief.id, free.id], 'cancel', ['pending']);
      await released;
      expect(new Set(outcome.changed)).toEqual(new Set([brief.id, free.id]));

      // A row locked for longer than every follow-up: the call returns while it is still locked, skipping it.
      await lock(held.id);
      const skipped = await adapter.jobs.bulk([held.id], 'cancel', ['pending']);
      expect(skipped).toEqual({ changed: [], requested: [] });
      await writer.query('COMMIT');
      expect((await rawRows([held.id])).get(held.id)?.state).toBe('created');
    } finally {
      await writer.end();
    }
  });

  it('states an action does not apply to, unknown ids and ids that are not UUIDs change nothing', async () => {
    scope = new PgTestScope();
    const adapter = await scope.adapter();
    const job = newJob();
    await adapter.enqueue([job]);
    await setState([job.id], 'completed');
    expect(await adapter.jobs.bulk([job.id], 'retry', ['completed'])).toEqual({ changed: [], requested: [] });
    expect(await adapter.jobs.bulk([job.id], 'cancel', ['completed'])).toEqual({
      changed: [],
      requested: [],
    });
    expect(
      await adapter.jobs.bulk(['not-a-uuid', '00000000-0000-7000-8000-000000000000'], 'remove', [
        'completed',
      ]),
    ).toEqual({ changed: [], requested: [] });
    expect(await adapter.jobs.bulk([], 'remove', ['completed'])).toEqual({ changed: [], requested: [] });
    expect((await rawRows([job.id])).get(job.id)?.state).toBe('completed');
  });

  it('one statement per call, whatever the number of ids', async () => {
    // failed → retried (pending) → cancelled → removed.
    const ONLY_IN: Record<'retry' | 'cancel' | 'remove', JobState[]> = {
      retry: ['failed'],
      cancel: ['pending'],
      remove: ['cancelled'],
    };
    scope = new PgTestScope();
    const statements: string[] = [];
    pool = new pg.Pool({ connectionString: DATABASE_URL, max: 3 });
    const query = pool.query.bind(pool) as (text: unknown, values?: unknown) => Promise<unknown>;
    (pool as unknown as { query: typeof query }).query = (text, values) => {
      if (typeof text === 'string' && text.includes('ANY($1::uuid[])')) statements.push(text);
      return query(text, values);
    };
    const adapter = await scope.adapter({ pool, connectionString: undefined });
    const jobs = Array.from({ length: 1000 }, () => newJob());
    await adapter.enqueue(jobs);
    await setState(
      jobs.map((job) => job.id),
      'failed',
    );
    for (const action of ['retry', 'cancel', 'remove'] as const) {
      statements.length = 0;
      const outcome = await adapter.jobs.bulk(
        jobs.map((job) => job.id),
        action,
        ONLY_IN[action],
      );
      expect(outcome.changed, action).toHaveLength(1000);
      expect(statements, action).toHaveLength(1);
    }
  });
});
