import type { Lease } from '@switchyard/core';
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
    UPDATE ${s}.switchyard_version SET version = 1;`);
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
    expect(version).toEqual([{ version: 3 }]);
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
});
