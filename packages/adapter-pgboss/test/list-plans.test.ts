/**
 * `list` and `counts` read indexes, never the whole table: every `list` query shape's
 * plan (as PostgreSQL chooses it on a table of a few thousand analysed rows) is an
 * index scan in id order (newest first) that stops after the page, and `counts` is
 * answered by index-only scans.
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
  pool = undefined;
});

/** A pool that remembers the statements run on it whose text contains `marker`. */
function recordingPool(marker: string): {
  pool: pg.Pool;
  statements: Array<{ text: string; values: unknown[] }>;
} {
  const recorded = new pg.Pool({ connectionString: DATABASE_URL, max: 3 });
  const statements: Array<{ text: string; values: unknown[] }> = [];
  const query = recorded.query.bind(recorded) as (text: unknown, values?: unknown) => Promise<unknown>;
  (recorded as unknown as { query: typeof query }).query = (text, values) => {
    if (typeof text === 'string' && text.includes(marker))
      statements.push({ text, values: (values as unknown[]) ?? [] });
    return query(text, values);
  };
  return { pool: recorded, statements };
}

/** 4,000 jobs over two queues and two tasks, a seventh of them scheduled, the older half completed. */
async function fillTable(adapter: Awaited<ReturnType<PgTestScope['adapter']>>): Promise<void> {
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
  await scope.raw.query(
    `UPDATE ${scope.schema}.job SET state = 'completed', completed_on = now()
      WHERE id IN (SELECT id FROM ${scope.schema}.job ORDER BY id LIMIT 2000)`,
  );
  // VACUUM sets the visibility map, as autovacuum would on a real table, so index-only scans are possible.
  await scope.raw.query(`VACUUM ANALYZE ${scope.schema}.job_common`);
}

async function planOf(statement: { text: string; values: unknown[] }): Promise<string> {
  const { rows } = await scope.raw.query(`EXPLAIN (COSTS OFF) ${statement.text}`, statement.values);
  return rows.map((row) => row['QUERY PLAN']).join('\n');
}

describe('list plans', () => {
  it('every list shape is an index scan that stops after the page', async () => {
    scope = new PgTestScope();
    const recording = recordingPool('ORDER BY j.id DESC');
    pool = recording.pool;
    const adapter = await scope.adapter({ pool, connectionString: undefined });
    await fillTable(adapter);

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
      recording.statements.length = 0;
      const page = await adapter.jobs.list({ ...query, limit: 20 });
      const cursor = page.nextCursor;
      if (cursor) await adapter.jobs.list({ ...query, limit: 20, cursor });
      for (const statement of recording.statements) {
        const plan = await planOf(statement);
        expect(plan, `${JSON.stringify(query)}\n${plan}`).toMatch(/^Limit/);
        expect(plan, `${JSON.stringify(query)}\n${plan}`).toMatch(
          /Index Scan Backward using (switchyard_job_|job_common_pkey)/,
        );
        expect(plan, `${JSON.stringify(query)}\n${plan}`).not.toMatch(/Seq Scan|Sort/);
      }
      expect(recording.statements.length).toBeGreaterThan(0);
    }
  });

  it('counts, in all and per queue, are index-only scans', async () => {
    scope = new PgTestScope();
    const recording = recordingPool("IN ('created', 'retry', 'active', 'failed')");
    pool = recording.pool;
    const adapter = await scope.adapter({ pool, connectionString: undefined });
    await fillTable(adapter);
    recording.statements.length = 0;

    const all = await adapter.jobs.counts();
    expect(all.completed).toBe(2000);
    expect(all.pending + all.scheduled).toBe(2000);
    const perQueue = await adapter.jobs.counts({ queue: 'a' });
    expect(Object.values(perQueue).reduce((sum, count) => sum + count, 0)).toBe(2000);

    expect(recording.statements).toHaveLength(2);
    for (const statement of recording.statements) {
      const plan = await planOf(statement);
      expect(plan).toMatch(
        /Index Only Scan using job_common_\w+_idx|Index Only Scan using switchyard_job_finished/,
      );
      expect(plan).not.toMatch(/Seq Scan/);
    }
  });

  it('a claim walks the claim index in order, even on a table without statistics', async () => {
    scope = new PgTestScope();
    const adapter = await scope.adapter();
    for (let batch = 0; batch < 10; batch++)
      await adapter.enqueue(Array.from({ length: 1000 }, () => newJob({ queue: 'a' })));
    // Half done and never analysed, as in the bench where a claim outside switchyard_claim's pinned settings
    // once cost a bitmap scan plus a sort of every ready row (O(backlog) per claim).
    await scope.raw.query(
      `UPDATE ${scope.schema}.job SET state = 'completed', completed_on = now()
        WHERE id IN (SELECT id FROM ${scope.schema}.job ORDER BY id LIMIT 5000)`,
    );
    // auto_explain reports the plan of the statement inside switchyard_claim to this client; the generic plan is
    // what a busy worker's session ends up running.
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    const plans: string[] = [];
    client.on('notice', (notice) => plans.push(notice.message ?? ''));
    try {
      await client.query(`LOAD 'auto_explain'`);
      await client.query(
        'SET auto_explain.log_min_duration = 0; SET auto_explain.log_nested_statements = on; SET client_min_messages = log; SET plan_cache_mode = force_generic_plan',
      );
      await client.query('BEGIN');
      const { rows } = await client.query(
        `SELECT id FROM ${scope.schema}.switchyard_claim(ARRAY['a'], now(), 20, now() + interval '1 minute')`,
      );
      await client.query('ROLLBACK');
      expect(rows).toHaveLength(20);
    } finally {
      await client.end();
    }
    const claimPlan = plans.find((plan) => plan.includes('switchyard_job_claim'));
    expect(claimPlan, plans.join('\n---\n')).toMatch(/Index Scan using switchyard_job_claim/);
    expect(claimPlan).not.toMatch(/Bitmap|Seq Scan on job_common/);
  });
});
