import { SWITCHYARD_SCHEMA_VERSION } from '@switchyard/adapter-pgboss';
import { emptyDurations, type Lease } from '@switchyard/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertDatabaseReachable } from './database-url.js';
import { newJob, PgTestScope, waitFor } from './helpers.js';

let scope: PgTestScope;
beforeAll(assertDatabaseReachable);
afterEach(async (context) => {
  await scope.dispose(context.task.result?.state !== 'fail');
});

/**
 * Turns a current schema back into version 1: the enqueue-order sequence, its fetch index, the task index,
 * the finished index without the queue name, and no claim function.
 */
async function downgradeToVersion1(scope: PgTestScope): Promise<void> {
  const s = scope.schema;
  await scope.raw.query(`
    DROP INDEX ${s}.switchyard_job_claim;
    DROP FUNCTION ${s}.switchyard_claim;
    DROP INDEX ${s}.switchyard_job_finished;
    CREATE INDEX switchyard_job_finished ON ${s}.job_common (state, completed_on) WHERE completed_on IS NOT NULL;
    CREATE SEQUENCE ${s}.switchyard_job_seq;
    ALTER TABLE ${s}.job ADD COLUMN sy_seq bigint NOT NULL DEFAULT nextval('${s}.switchyard_job_seq');
    CREATE INDEX switchyard_job_fetch ON ${s}.job_common (name, priority DESC, start_after, sy_seq) WHERE state < 'active';
    CREATE INDEX switchyard_job_task_id ON ${s}.job_common (sy_task, id);
    DROP TABLE ${s}.switchyard_worker, ${s}.switchyard_history, ${s}.switchyard_throttle_grant,
      ${s}.switchyard_throttle_window, ${s}.switchyard_throttle_slot;
    DROP FUNCTION ${s}.switchyard_take_start, ${s}.switchyard_take_slot;
    UPDATE ${s}.switchyard_version SET version = 1;`);
}

/** Turns a current schema back into version 3: no workers, history or throttle tables, no re-insert guard. */
async function downgradeToVersion3(scope: PgTestScope): Promise<void> {
  const s = scope.schema;
  await scope.raw.query(`
    DROP TABLE ${s}.switchyard_worker, ${s}.switchyard_history, ${s}.switchyard_throttle_grant,
      ${s}.switchyard_throttle_window, ${s}.switchyard_throttle_slot;
    DROP FUNCTION ${s}.switchyard_take_start, ${s}.switchyard_take_slot;
    DROP TRIGGER switchyard_stash ON ${s}.job_common;
    DROP TRIGGER switchyard_restore ON ${s}.job_common;
    DROP TABLE ${s}.switchyard_stash;
    UPDATE ${s}.switchyard_version SET version = 3;`);
}

async function switchyardTables(scope: PgTestScope): Promise<string[]> {
  const { rows } = await scope.raw.query(
    `SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename LIKE 'switchyard%' ORDER BY 1`,
    [scope.schema],
  );
  return rows.map((row) => row.tablename);
}

async function switchyardIndexes(scope: PgTestScope): Promise<string[]> {
  const { rows } = await scope.raw.query(
    `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND indexname LIKE 'switchyard_job%' ORDER BY 1`,
    [scope.schema],
  );
  return rows.map((row) => row.indexname);
}

describe('schema migration', () => {
  it('start() migrates a version 1 schema: no sequence per row, claim order by id, jobs kept', async () => {
    scope = new PgTestScope();
    const old = await scope.adapter();
    await old.close();
    await downgradeToVersion1(scope);
    // Jobs written under version 1, in enqueue order.
    const jobs = [
      newJob({ payload: { n: 1 } }),
      newJob({ payload: { n: 2 } }),
      newJob({ payload: { n: 3 } }),
    ];
    for (const job of jobs) {
      await scope.raw.query(
        `INSERT INTO ${scope.schema}.queue (name, policy, retry_limit, retry_delay, retry_backoff, expire_seconds,
                retention_seconds, deletion_seconds, partition, table_name)
         VALUES ('q', 'standard', 2, 0, false, 900, 1209600, 604800, false, 'job_common') ON CONFLICT DO NOTHING`,
      );
      await scope.raw.query(
        `INSERT INTO ${scope.schema}.job (id, name, data, priority, start_after, created_on, policy, sy_task, sy_max_attempts)
         VALUES ($1, 'q', $2, 4, $3, $3, 'standard', $4, 3)`,
        [job.id, JSON.stringify(job.payload), job.runAt, job.task],
      );
    }

    const adapter = await scope.adapter();
    const { rows: version } = await scope.raw.query(`SELECT version FROM ${scope.schema}.switchyard_version`);
    expect(version).toEqual([{ version: SWITCHYARD_SCHEMA_VERSION }]);
    const { rows: columns } = await scope.raw.query(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'job' AND column_name = 'sy_seq'`,
      [scope.schema],
    );
    expect(columns).toEqual([]);
    expect(await switchyardIndexes(scope)).toEqual([
      'switchyard_job_claim',
      'switchyard_job_finished',
      'switchyard_job_id',
      'switchyard_job_lease',
      'switchyard_job_state_id',
      'switchyard_job_unique_key',
    ]);

    // The old jobs are read and claimed, in enqueue order, next to new ones.
    const added = newJob({ payload: { n: 4 } });
    await adapter.enqueue([added]);
    expect(await adapter.jobs.get(jobs[0]!.id)).toMatchObject({
      id: jobs[0]!.id,
      payload: { n: 1 },
      state: 'pending',
    });
    const order: unknown[] = [];
    const consumer = adapter.consume(
      ['q'],
      { concurrency: 1, leaseDurationMs: 5000 },
      async (lease: Lease) => {
        order.push(lease.job.payload);
        await lease.complete(null);
      },
    );
    await waitFor(() => order.length === 4, 5000, 'all four jobs');
    await consumer.stop();
    expect(order).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
  });

  it('start() migrates a version 3 schema to the current one: workers, history, stash and throttle tables, jobs and the hot path untouched', async () => {
    scope = new PgTestScope();
    const old = await scope.adapter();
    const waiting = newJob({ payload: { n: 1 } });
    await old.enqueue([waiting]);
    await old.close();
    await downgradeToVersion3(scope);
    expect(await switchyardTables(scope)).toEqual([
      'switchyard_queue',
      'switchyard_schedule',
      'switchyard_version',
    ]);
    const indexesBefore = await switchyardIndexes(scope);

    const adapter = await scope.adapter();
    const { rows: version } = await scope.raw.query(`SELECT version FROM ${scope.schema}.switchyard_version`);
    expect(version).toEqual([{ version: SWITCHYARD_SCHEMA_VERSION }]);
    expect(await switchyardTables(scope)).toEqual([
      'switchyard_history',
      'switchyard_queue',
      'switchyard_schedule',
      'switchyard_stash',
      'switchyard_throttle_grant',
      'switchyard_throttle_slot',
      'switchyard_throttle_window',
      'switchyard_version',
      'switchyard_worker',
    ]);
    // Versions 4 and 5 add no index to the job table: enqueue and claim write what they wrote before.
    expect(await switchyardIndexes(scope)).toEqual(indexesBefore);

    // The new tables work, and the job written under version 3 is listed and claimed.
    await adapter.workers.put('w1', '{"id":"w1"}', new Date(Date.now() + 60_000));
    expect(await adapter.workers.list(new Date())).toEqual(['{"id":"w1"}']);
    const at = Math.floor(Date.now() / 60_000) * 60_000;
    await adapter.history.record([
      { at, queue: 'q', task: 't', completed: 2, failed: 1, retried: 0, durations: emptyDurations() },
    ]);
    const cells = await adapter.history.read({ from: new Date(at), to: new Date(at + 60_000), bucket: '1m' });
    expect(cells).toMatchObject([{ at, queue: 'q', task: 't', completed: 2, failed: 1 }]);
    expect((await adapter.jobs.list({ limit: 10, scanLimit: 100 })).jobs.map((job) => job.id)).toEqual([
      waiting.id,
    ]);
    const seen: string[] = [];
    const consumer = adapter.consume(
      ['q'],
      { concurrency: 1, leaseDurationMs: 5000 },
      async (lease: Lease) => {
        seen.push(lease.job.id);
        await lease.complete(null);
      },
    );
    await waitFor(() => seen.length === 1, 5000, 'the old job');
    await consumer.stop();
    expect(seen).toEqual([waiting.id]);
  });

  it('start() migrates a version 4 schema: Switchyard rows get the pg-boss columns that keep them safe from pg-boss maintenance', async () => {
    scope = new PgTestScope();
    const old = await scope.adapter();
    const [waiting, running] = [newJob(), newJob()];
    await old.enqueue([waiting, running]);
    const leases: Lease[] = [];
    const consumer = old.consume(['q'], { concurrency: 1, leaseDurationMs: 60_000 }, async (lease) => {
      leases.push(lease);
    });
    await waitFor(() => leases.length === 1, 5000, 'one delivery');
    await consumer.stop();
    await old.close();
    // What version 4 wrote: pg-boss's column defaults.
    const s = scope.schema;
    await scope.raw.query(`
      UPDATE ${s}.job SET keep_until = created_on + interval '14 days', deletion_seconds = 604800, expire_seconds = 900;
      UPDATE ${s}.switchyard_version SET version = 4;`);

    await scope.adapter();
    const { rows } = await scope.raw.query(
      `SELECT id::text, state, keep_until = 'infinity' AS kept, deletion_seconds, expire_seconds FROM ${s}.job ORDER BY id`,
    );
    const held = leases[0]?.job.id;
    expect(rows).toEqual(
      [waiting.id, running.id].sort().map((id) => ({
        id,
        state: id === held ? 'active' : 'created',
        kept: true,
        deletion_seconds: 0,
        expire_seconds: id === held ? 2_147_483_647 : 900,
      })),
    );
  });
});
