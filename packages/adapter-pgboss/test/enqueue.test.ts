import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertDatabaseReachable } from './database-url.js';
import { newJob, PgTestScope } from './helpers.js';

let scope: PgTestScope;
beforeAll(assertDatabaseReachable);
afterEach(async (context) => {
  await scope.dispose(context.task.result?.state !== 'fail');
});

describe('enqueue into pg-boss tables', () => {
  it('round-trips every field, and writes pg-boss columns pg-boss tools understand', async () => {
    scope = new PgTestScope();
    const adapter = await scope.adapter();
    const runAt = new Date(Date.now() + 3_600_000);
    const full = newJob({
      queue: 'emails',
      priority: 1,
      runAt,
      maxAttempts: null,
      payload: null,
      backoff: { type: 'exponential', delay: 1000, factor: 3, jitter: 'full' },
      timeoutMs: 2500,
      uniqueKey: 'user-1',
      metadata: { traceparent: '00-abc-def-01', tenant: 'a' },
    });
    const plain = newJob({ payload: { deep: [1, { two: 'x' }] }, maxAttempts: 4 });
    await adapter.enqueue([full, plain]);

    expect(await adapter.jobs.get(full.id)).toEqual({
      ...full,
      state: 'scheduled',
      attempt: 0,
    });
    expect(await adapter.jobs.get(plain.id)).toEqual({ ...plain, state: 'pending', attempt: 0 });

    const { rows } = await scope.raw.query(
      `SELECT id::text, name, priority, retry_limit, singleton_key, start_after, state::text, policy
         FROM ${scope.schema}.job ORDER BY id`,
    );
    expect(rows).toEqual([
      {
        id: full.id,
        name: 'emails',
        priority: 8,
        retry_limit: 2_147_483_647,
        singleton_key: 'user-1',
        start_after: runAt,
        state: 'created',
        policy: 'standard',
      },
      {
        id: plain.id,
        name: 'q',
        priority: 4,
        retry_limit: 3,
        singleton_key: null,
        start_after: plain.runAt,
        state: 'created',
        policy: 'standard',
      },
    ]);
    // Both queues are pg-boss queues now.
    expect(await adapter.queues.list()).toEqual(['emails', 'q']);
  });
});
