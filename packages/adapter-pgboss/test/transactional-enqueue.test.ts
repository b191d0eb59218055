import type { Lease } from '@switchyard/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertDatabaseReachable } from './database-url.js';
import { newJob, PgTestScope, waitFor } from './helpers.js';

let scope: PgTestScope;
beforeAll(assertDatabaseReachable);
afterEach(async (context) => {
  await scope.dispose(context.task.result?.state !== 'fail');
});

describe('transactional enqueue', () => {
  it('a job enqueued inside a committed transaction exists; inside a rolled-back one it never does', async () => {
    scope = new PgTestScope();
    const adapter = await scope.adapter();
    const committed = newJob();
    const rolledBack = newJob();

    const client = await scope.raw.connect();
    try {
      await client.query('BEGIN');
      expect(await adapter.enqueue([committed], { tx: client })).toEqual([
        { status: 'created', id: committed.id },
      ]);
      // Not visible outside the transaction until it commits.
      expect(await adapter.jobs.get(committed.id)).toBeNull();
      await client.query('COMMIT');
      await client.query('BEGIN');
      await adapter.enqueue([rolledBack], { tx: client });
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    expect((await adapter.jobs.get(committed.id))?.state).toBe('pending');
    expect(await adapter.jobs.get(rolledBack.id)).toBeNull();
  });

  it('a worker never sees an uncommitted job, and picks it up promptly once the transaction commits', async () => {
    scope = new PgTestScope();
    const adapter = await scope.adapter();
    const seen: Lease[] = [];
    const consumer = adapter.consume(['q'], { concurrency: 5, leaseDurationMs: 5000 }, async (lease) => {
      seen.push(lease);
      await lease.complete(undefined);
    });
    const job = newJob();
    const client = await scope.raw.connect();
    try {
      await client.query('BEGIN');
      await adapter.enqueue([job], {
        tx: { query: (text: string, values?: unknown[]) => client.query(text, values) },
      });
      // Well past several NOTIFY round trips: the worker must still not have it.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(seen).toHaveLength(0);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    await waitFor(() => seen.length === 1, 3000, 'the committed job to be delivered');
    expect(seen[0]?.job.id).toBe(job.id);
    await consumer.stop();
  });

  it('rejects a tx that cannot run statements', async () => {
    scope = new PgTestScope();
    const adapter = await scope.adapter();
    await expect(adapter.enqueue([newJob()], { tx: {} })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
  });
});
