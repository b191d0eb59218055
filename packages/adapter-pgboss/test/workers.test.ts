/** The workers registry: seen from another process, refreshed, removed, expired and cleaned up. */
import { ManualClock } from '@switchyard/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertDatabaseReachable } from './database-url.js';
import { PgTestScope, waitFor } from './helpers.js';

let scope: PgTestScope;
beforeAll(assertDatabaseReachable);
afterEach(async (context) => {
  await scope.dispose(context.task.result?.state !== 'fail');
});

async function storedIds(): Promise<string[]> {
  const { rows } = await scope.raw.query(`SELECT id FROM ${scope.schema}.switchyard_worker ORDER BY id`);
  return rows.map((row) => row.id);
}

describe('workers registry', () => {
  it('an entry put by one process is listed by another until it expires, refreshed by put, gone after remove', async () => {
    scope = new PgTestScope();
    const a = await scope.adapter();
    const b = await scope.adapter();
    const now = Date.now();
    await a.workers.put('w-a', '{"id":"w-a"}', new Date(now + 10_000));
    await b.workers.put('w-b', '{"id":"w-b"}', new Date(now + 1_000));
    expect(await b.workers.list(new Date(now))).toEqual(['{"id":"w-a"}', '{"id":"w-b"}']);
    // At w-b's expiry it is dead: list leaves it out (the row may remain until maintenance).
    expect(await a.workers.list(new Date(now + 1_000))).toEqual(['{"id":"w-a"}']);

    // A heartbeat rewrites the entry and pushes the expiry.
    await b.workers.put('w-b', '{"id":"w-b","beat":2}', new Date(now + 20_000));
    expect(await a.workers.list(new Date(now + 15_000))).toEqual(['{"id":"w-b","beat":2}']);

    await a.workers.remove('w-a');
    await a.workers.remove('never-registered');
    expect(await storedIds()).toEqual(['w-b']);
  });

  it('maintenance deletes the rows of workers that stopped heartbeating', async () => {
    scope = new PgTestScope();
    const clock = new ManualClock();
    const adapter = await scope.adapter({}, { clock, historyRetentionMs: 10_000 });
    await adapter.workers.put('dead', '{}', new Date(clock.now() + 500));
    await adapter.workers.put('alive', '{}', new Date(clock.now() + 60_000));
    expect(await storedIds()).toEqual(['alive', 'dead']);
    await clock.advance(1_000); // one upkeep interval (a tenth of the history window, at least 1 s)
    await waitFor(async () => (await storedIds()).length === 1, 5000, 'the dead row to be deleted');
    expect(await storedIds()).toEqual(['alive']);
  });
});
