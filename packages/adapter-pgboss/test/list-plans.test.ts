/**
 * `list` reads pages through indexes, never the whole table: every query shape's
 * plan (as PostgreSQL chooses it on a table of a few thousand analysed rows) is an
 * index scan in id order (newest first) that stops after the page.
 */
import type { ListJobsQuery } from '@switchyard/core';
import pg from 'pg';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertDatabaseReachable, DATABASE_URL } from './database-url.js';
import { newJob, PgTestScope } from './helpers.js';

let scope: PgTestScope;
let pool: pg.Pool | undefined;
beforeAll(assertDatabaseReachable);
afterEach(async (context) => {
  await scope.dispose(context.task.result?.state !== 'fail');
  await pool?.end();
});

/** A pool that remembers the `list` statements run on it. */
function recordingPool(): { pool: pg.Pool; listStatements: Array<{ text: string; values: unknown[] }> } {
  const recorded = new pg.Pool({ connectionString: DATABASE_URL, max: 3 });
  const listStatements: Array<{ text: string; values: unknown[] }> = [];
  const query = recorded.query.bind(recorded) as (text: unknown, values?: unknown) => Promise<unknown>;
  (recorded as unknown as { query: typeof query }).query = (text, values) => {
    if (typeof text === 'string' && text.includes('ORDER BY j.id DESC'))
      listStatements.push({ text, values: (values as unknown[]) ?? [] });
    return query(text, values);
  };
  return { pool: recorded, listStatements };
}

describe('list plans', () => {
  it('every list shape is an index scan that stops after the page', async () => {
    scope = new PgTestScope();
    const recording = recordingPool();
    pool = recording.pool;
    const adapter = await scope.adapter({ pool, connectionString: undefined });
    const later = new Date(Date.now() + 3_600_000);
    for (let batch = 0; batch < 4; batch++) {
      await adapter.enqueue(
        Array.from({ length: 1000 }, (_, n) =>
          newJob({
            queue: n % 2 ? 'a' : 'b',
            task: n % 10 ? 'common' : 'tenth',
            ...(n % 7 ? {} : { runAt: later }),
          }),
        ),
      );
    }
    // Finish the older half so the finished-state indexes hold rows too.
    await scope.raw.query(
      `UPDATE ${scope.schema}.job SET state = 'completed', completed_on = now()
        WHERE id IN (SELECT id FROM ${scope.schema}.job ORDER BY id LIMIT 2000)`,
    );
    await scope.raw.query(`ANALYZE ${scope.schema}.job_common`);

    const queries: ListJobsQuery[] = [
      {},
      { queue: 'a' },
      { task: 'common' },
      { task: 'tenth' },
      { state: 'pending' },
      { state: 'scheduled' },
      { state: 'completed' },
      { state: 'failed' },
      { state: 'completed', task: 'tenth' },
    ];
    for (const query of queries) {
      recording.listStatements.length = 0;
      const page = await adapter.jobs.list({ ...query, limit: 20 });
      const cursor = page.nextCursor;
      if (cursor) await adapter.jobs.list({ ...query, limit: 20, cursor });
      for (const { text, values } of recording.listStatements) {
        const { rows } = await scope.raw.query(`EXPLAIN (COSTS OFF) ${text}`, values);
        const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
        expect(plan, `${JSON.stringify(query)}\n${plan}`).toMatch(/^Limit/);
        expect(plan, `${JSON.stringify(query)}\n${plan}`).toMatch(
          /Index Scan Backward using (switchyard_job_|job_common_pkey)/,
        );
        expect(plan, `${JSON.stringify(query)}\n${plan}`).not.toMatch(/Seq Scan|Sort/);
      }
      expect(recording.listStatements.length).toBeGreaterThan(0);
    }
  });
});
