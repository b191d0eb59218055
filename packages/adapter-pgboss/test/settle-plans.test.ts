/**
 * Settling looks the job up by id however many jobs run (issue 22). With statistics taken while nothing
 * ran (a fresh backlog), PostgreSQL estimated `state = 'active'` as nearly empty and found each settled row
 * through pg-boss's (name, state, ...) index, walking every running job of the queue per row: a batch of
 * completions cost O(batch × running jobs), and with the whole backlog claimed it took minutes.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { leaseHeld } from '../src/lease-guard.js';
import { completionSql } from '../src/settle.js';
import { assertDatabaseReachable } from './database-url.js';
import { newJob, PgTestScope } from './helpers.js';

let scope: PgTestScope;
beforeAll(assertDatabaseReachable);
afterEach(async (context) => {
  await scope.dispose(context.task.result?.state !== 'fail');
});

/** Index names in a JSON plan. */
function indexesOf(plan: unknown): string[] {
  const found: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (typeof record['Index Name'] === 'string') found.push(record['Index Name']);
      Object.values(record).forEach(walk);
    }
  };
  walk(plan);
  return found;
}

describe('settlement plans', () => {
  it('find running jobs by id, not through the (name, state) index, with statistics from before the claims', async () => {
    scope = new PgTestScope();
    const adapter = await scope.adapter();
    const s = scope.schema;
    for (let batch = 0; batch < 10; batch++)
      await adapter.enqueue(Array.from({ length: 1000 }, () => newJob({ queue: 'bulk' })));
    // Statistics of a fresh backlog: no job running.
    await scope.raw.query(`ANALYZE ${s}.job_common`);
    const { rows } = await scope.raw.query<{ name: string; id: string; sy_lease_token: string }>(
      `SELECT name, id, sy_lease_token FROM ${s}.switchyard_claim(ARRAY['bulk'], now(), 5000, now() + interval '1 hour')`,
    );
    expect(rows).toHaveLength(5000);
    const batch = rows.slice(0, 100);
    const explain = async (sql: string, values: unknown[]): Promise<string[]> => {
      const client = await scope.raw.connect();
      try {
        await client.query('BEGIN');
        const result = await client.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${sql}`, values);
        return indexesOf(result.rows[0]?.['QUERY PLAN']);
      } finally {
        await client.query('ROLLBACK');
        client.release();
      }
    };
    const completion = await explain(completionSql(s), [
      batch.map((r) => r.name),
      batch.map((r) => r.id),
      batch.map((r) => r.sy_lease_token),
      batch.map(() => JSON.stringify({ v: null })),
      new Date(),
    ]);
    const one = rows[0]!;
    const single = await explain(
      `UPDATE ${s}.job j SET heartbeat_on = now() WHERE ${leaseHeld('j', '$1', '$2', '$3')}`,
      [one.name, one.id, one.sy_lease_token],
    );
    for (const indexes of [completion, single]) {
      expect(indexes.some((name) => name === 'switchyard_job_id' || name === 'job_common_pkey')).toBe(true);
      // Neither index walks the running jobs: (name, state, ...) nor the lease sweep's.
      expect(indexes).not.toContain('job_common_i14');
      expect(indexes).not.toContain('switchyard_job_lease');
    }
  });
});
