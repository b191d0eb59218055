/**
 * `list`, `counts` and `stats.queues` read indexes, never the whole table: every `list` shape's
 * plan (as PostgreSQL chooses it on a table of a few thousand analysed rows) walks an index
 * newest first and stops after the page or the scan budget, with the filter on top; `counts`
 * and `stats.queues` are answered by index-only scans.
 */
import { type ListJobsQuery, normalizeListQuery } from '@switchyard/core';
import pg from 'pg';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LIST_PLANNER_SETTINGS } from '../src/search.js';
import { COUNT_PLANNER_SETTINGS, unfinishedGroupsSql } from '../src/stats.js';
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

/**
 * A pool that remembers the statements run on it whose text contains `marker`. Every statement,
 * `pool.query` included, runs on a client the pool checks out, so the clients are what is recorded.
 */
function recordingPool(marker: string): {
  pool: pg.Pool;
  statements: Array<{ text: string; values: unknown[] }>;
} {
  const recorded = new pg.Pool({ connectionString: DATABASE_URL, max: 3 });
  const statements: Array<{ text: string; values: unknown[] }> = [];
  type Query = (text: unknown, ...rest: unknown[]) => unknown;
  const record = (target: { query: Query }): void => {
    const query = target.query.bind(target);
    // Every argument passes through: pg's pool calls client.query(text, values, callback).
    target.query = (text, ...rest) => {
      if (typeof text === 'string' && text.includes(marker))
        statements.push({ text, values: Array.isArray(rest[0]) ? rest[0] : [] });
      return query(text, ...rest);
    };
  };
  const patched = new WeakSet<object>();
  const patch = (client: pg.PoolClient | undefined): void => {
    if (client && !patched.has(client)) {
      patched.add(client);
      record(client as unknown as { query: Query });
    }
  };
  // pg's own pool.query() checks out clients through connect(callback): keep that form working.
  type Connect = (
    callback?: (error: Error | undefined, client?: pg.PoolClient, done?: unknown) => void,
  ) => unknown;
  const connect = recorded.connect.bind(recorded) as Connect;
  (recorded as unknown as { connect: Connect }).connect = (callback) => {
    if (callback)
      return connect((error, client, done) => {
        patch(client);
        callback(error, client, done);
      });
    return (connect() as Promise<pg.PoolClient>).then((client) => {
      patch(client);
      return client;
    });
  };
  return { pool: recorded, statements };
}

/**
 * 4,000 jobs over two queues (and a rare third) and two tasks, a seventh of them scheduled, the older
 * half completed, a few failed, cancelled, retrying and running.
 */
async function fillTable(adapter: Awaited<ReturnType<PgTestScope['adapter']>>): Promise<void> {
  const later = new Date(Date.now() + 3_600_000);
  for (let batch = 0; batch < 4; batch++) {
    await adapter.enqueue(
      Array.from({ length: 1000 }, (_, n) =>
        newJob({
          queue: n % 100 === 0 ? 'rare' : n % 2 ? 'a' : 'b',
          task: n % 10 ? 'common' : 'tenth',
          metadata: { tenant: `t${n % 4}` },
          payload: { n, kind: n % 3 ? 'x' : 'y' },
          ...(n % 7 ? {} : { runAt: later }),
        }),
      ),
    );
  }
  const s = scope.schema;
  await scope.raw.query(
    `UPDATE ${s}.job SET state = 'completed', completed_on = now()
      WHERE id IN (SELECT id FROM ${s}.job ORDER BY id LIMIT 2000)`,
  );
  for (const [state, count] of [
    ['failed', 200],
    ['cancelled', 50],
  ] as const) {
    await scope.raw.query(
      `UPDATE ${s}.job SET state = '${state}' WHERE id IN (SELECT id FROM ${s}.job WHERE state = 'completed' ORDER BY id DESC LIMIT ${count})`,
    );
  }
  await scope.raw.query(
    `UPDATE ${s}.job SET state = 'retry', start_after = now() + interval '1 hour'
      WHERE id IN (SELECT id FROM ${s}.job WHERE state = 'created' ORDER BY id LIMIT 30)`,
  );
  await scope.raw.query(
    `UPDATE ${s}.job SET state = 'active', sy_lease_expires_at = now() + interval '1 hour'
      WHERE id IN (SELECT id FROM ${s}.job WHERE state = 'created' ORDER BY id LIMIT 20)`,
  );
  await vacuumUntilAllVisible(`${s}.job_common`);
}

/**
 * VACUUM sets the visibility map, as autovacuum would on a real table, so index-only scans are possible. A
 * transaction open elsewhere on the server (another test file's) holds the xmin horizon back and keeps the
 * new rows from counting as visible to all; such transactions are short, so vacuum again until they are.
 */
async function vacuumUntilAllVisible(table: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    await scope.raw.query(`VACUUM ANALYZE ${table}`);
    const { rows } = await scope.raw.query<{ pages: number; visible: number }>(
      'SELECT relpages AS pages, relallvisible AS visible FROM pg_class WHERE oid = $1::regclass',
      [table],
    );
    const { pages, visible } = rows[0]!;
    if (visible >= pages) return;
    if (Date.now() > deadline)
      throw new Error(
        `${table}: ${visible} of ${pages} pages all-visible after 30 s of VACUUM (a long transaction?)`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The plan of a recorded statement, planned with `settings` (as the adapter runs it) when given. */
async function planOf(
  statement: { text: string; values: unknown[] },
  settings: Readonly<Record<string, string>> = {},
  explain = 'EXPLAIN (COSTS OFF) ',
): Promise<string> {
  const client = await scope.raw.connect();
  try {
    await client.query('BEGIN');
    for (const [name, value] of Object.entries(settings)) await client.query(`SET LOCAL ${name} = ${value}`);
    const { rows } = await client.query(`${explain}${statement.text}`, statement.values);
    return rows.map((row) => row['QUERY PLAN']).join('\n');
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}

describe('list plans', () => {
  it('every list shape walks an index newest first, bounded by the page and the scan budget', async () => {
    scope = new PgTestScope();
    const recording = recordingPool('row_number() OVER (ORDER BY j.id DESC)');
    pool = recording.pool;
    const adapter = await scope.adapter({ pool, connectionString: undefined });
    await fillTable(adapter);

    // The walk each shape must take: the index and, for several states, a merge of one walk per state.
    const shapes: Array<[ListJobsQuery, RegExp]> = [
      [{}, /Index Scan Backward using switchyard_job_id/],
      [{ task: 'tenth' }, /Index Scan Backward using switchyard_job_id/],
      [{ state: 'pending' }, /Index Scan Backward using switchyard_job_id/],
      [{ state: 'scheduled' }, /Index Scan Backward using switchyard_job_id/],
      [{ metadata: { tenant: 't1' } }, /Index Scan Backward using switchyard_job_id/],
      [{ payload: { kind: 'y' } }, /Index Scan Backward using switchyard_job_id/],
      [{ createdAfter: new Date(Date.now() - 60_000) }, /Index Scan Backward using switchyard_job_id/],
      [{ queue: 'rare' }, /Index Scan Backward using job_common_pkey/],
      [{ queue: 'a' }, /Index Scan Backward using (job_common_pkey|switchyard_job_id)/],
      [{ state: 'completed' }, /Index Scan Backward using switchyard_job_state_id/],
      [{ state: 'failed', task: 'tenth' }, /Index Scan Backward using switchyard_job_state_id/],
      [{ state: 'retrying' }, /Index Scan Backward using switchyard_job_state_id/],
      [
        { state: ['failed', 'cancelled'] },
        /Merge Append[\s\S]*switchyard_job_state_id[\s\S]*switchyard_job_state_id/,
      ],
      [{ finishedBefore: new Date() }, /Merge Append[\s\S]*switchyard_job_state_id/],
      [{ state: 'running' }, /CTE sy_running\n\s+-> {2}Index Scan using switchyard_job_lease/],
      [
        { state: ['running', 'failed'] },
        /Merge Append[\s\S]*CTE Scan on sy_running[\s\S]*switchyard_job_state_id/,
      ],
    ];
    for (const [input, walk] of shapes) {
      recording.statements.length = 0;
      const page = await adapter.jobs.list({
        ...normalizeListQuery({ ...input, limit: 20 }),
        scanLimit: 500,
      });
      const cursor = page.nextCursor;
      if (cursor)
        await adapter.jobs.list({ ...normalizeListQuery({ ...input, limit: 20, cursor }), scanLimit: 500 });
      expect(recording.statements.length).toBeGreaterThan(0);
      for (const statement of recording.statements) {
        const plan = await planOf(statement, LIST_PLANNER_SETTINGS);
        const label = `${JSON.stringify(input)}\n${plan}`;
        // Page limit on top of the filter, on top of the scan-budget limit, on top of the walk.
        expect(plan, label).toMatch(
          /^Limit\n(\s+CTE sy_running\n[\s\S]*?)?\s+-> {2}Subquery Scan on e[\s\S]*-> {2}Limit\n\s+-> {2}WindowAgg/,
        );
        expect(plan, label).toMatch(walk);
        expect(plan, label).not.toMatch(/Seq Scan|Bitmap/);
        // The one sort allowed: the running jobs (the lease index holds only them), before the budget applies.
        const sortNode = /(^|->\s+)Sort$/m;
        if (input.state === 'running' || (Array.isArray(input.state) && input.state.includes('running')))
          expect(plan, label).toMatch(/Sort\n[\s\S]*CTE Scan on sy_running/);
        else expect(plan, label).not.toMatch(sortNode);
      }
    }
  });

  it('on a table without statistics the walk still stops at the scan budget', async () => {
    scope = new PgTestScope();
    const recording = recordingPool('row_number() OVER (ORDER BY j.id DESC)');
    pool = recording.pool;
    const adapter = await scope.adapter({ pool, connectionString: undefined });
    // Never analysed: the planner guesses. Unpinned, it sorted every row of a queue or state it thought small.
    for (let batch = 0; batch < 5; batch++)
      await adapter.enqueue(Array.from({ length: 1000 }, () => newJob({ queue: batch % 2 ? 'a' : 'b' })));
    await scope.raw.query(
      `UPDATE ${scope.schema}.job SET state = 'failed', completed_on = now()
        WHERE id IN (SELECT id FROM ${scope.schema}.job ORDER BY id LIMIT 3000)`,
    );
    for (const input of [
      { queue: 'a', metadata: { none: 'x' } },
      { state: 'failed' as const, metadata: { none: 'x' } },
      { state: ['failed', 'cancelled'] as ('failed' | 'cancelled')[], metadata: { none: 'x' } },
    ]) {
      recording.statements.length = 0;
      const page = await adapter.jobs.list({ ...normalizeListQuery(input), scanLimit: 300 });
      expect(page.jobs).toEqual([]);
      expect(page.nextCursor).toBeDefined();
      const statement = recording.statements[0]!;
      const plan = await planOf(
        {
          text: `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ${statement.text}`,
          values: statement.values,
        },
        LIST_PLANNER_SETTINGS,
        '',
      );
      expect(plan, plan).not.toMatch(/(^|->\s+)Sort$|Bitmap|Seq Scan/m);
      // Every index walk returned at most the budget (plus the one row a LIMIT reads to know it is done).
      const walked = [
        ...plan.matchAll(/Index Scan Backward using \w+ on job_common \w+ \(actual rows=(\d+)/g),
      ];
      expect(walked.length, plan).toBeGreaterThan(0);
      for (const [, rows] of walked) expect(Number(rows), plan).toBeLessThanOrEqual(301);
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
    expect(all).toMatchObject({ completed: 1750, failed: 200, cancelled: 50, retrying: 30, running: 20 });
    expect(all.pending + all.scheduled).toBe(1950);
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

  it('stats.queues finds the unfinished groups by one index descent each and counts them from the index', async () => {
    scope = new PgTestScope();
    const adapter = await scope.adapter();
    await fillTable(adapter);
    const snapshots = await adapter.stats.queues();
    for (const snapshot of snapshots)
      expect(snapshot.counts).toEqual(await adapter.jobs.counts({ queue: snapshot.queue }));

    const plan = await planOf(
      { text: unfinishedGroupsSql(scope.schema), values: [new Date()] },
      COUNT_PLANNER_SETTINGS,
      'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ',
    );
    const scans = plan.split('\n').filter((line) => /Scan/.test(line));
    for (const scan of scans)
      expect(scan, plan).toMatch(/Index Only Scan using job_common_\w+|CTE Scan|WorkTable Scan/);
    // The walk: the first group from one descent, then one step per group found (the last step finds none);
    // each group's count then reads its own range. 11 groups of (a, b, rare) × states hold ~1,950 rows.
    const groups = Number(plan.match(/CTE Scan on grp g \(actual rows=(\d+)/)?.[1]);
    const steps = Number(plan.match(/on job_common j_1 \(actual rows=\d+ loops=(\d+)\)/)?.[1]);
    expect(groups, plan).toBe(11);
    expect(steps, plan).toBe(groups);
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
