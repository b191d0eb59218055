/** The workers registry on both job-state stores: put, refresh, list, remove, expiry. */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { keyPrefixOf, REDIS_URL } from './conformance-adapter.js';
import { STORE_KINDS } from './ops-support.js';
import { newPrefix, startedAdaptersClosedAfterEach } from './support.js';

describe.each(STORE_KINDS)('workers registry on the %s store', (kind, createStore) => {
  const adapterFor = startedAdaptersClosedAfterEach();

  it('lists live entries from every adapter sharing the store, drops removed and expired ones', async () => {
    const prefix = newPrefix();
    const store = await createStore(prefix);
    // Two adapters: two processes on Redis (a store each), two yards of one process in memory.
    const one = await adapterFor(prefix, { store });
    const two = await adapterFor(prefix, { store: kind === 'redis' ? await createStore(prefix) : store });
    const now = Date.now();
    await one.workers.put('w1', '{"id":"w1"}', new Date(now + 10_000));
    await two.workers.put('w2', '{"id":"w2"}', new Date(now + 20_000));
    await two.workers.put('w3', '{"id":"w3"}', new Date(now + 1_000));
    expect((await one.workers.list(new Date(now))).sort()).toEqual([
      '{"id":"w1"}',
      '{"id":"w2"}',
      '{"id":"w3"}',
    ]);
    // A refresh replaces the data and the expiry.
    await one.workers.put('w3', '{"id":"w3","beat":2}', new Date(now + 30_000));
    expect((await two.workers.list(new Date(now + 15_000))).sort()).toEqual([
      '{"id":"w2"}',
      '{"id":"w3","beat":2}',
    ]);
    await two.workers.remove('w3');
    await two.workers.remove('never-registered');
    expect(await one.workers.list(new Date(now + 15_000))).toEqual(['{"id":"w2"}']);
    // Exactly at its expiry an entry is dead.
    expect(await one.workers.list(new Date(now + 20_000))).toEqual([]);
    if (kind === 'redis') {
      const backdoor = new Redis(REDIS_URL);
      try {
        // Listing deleted what had expired: nothing is left behind.
        expect(await backdoor.zcard(`${keyPrefixOf(prefix)}:workers`)).toBe(0);
        expect(await backdoor.hlen(`${keyPrefixOf(prefix)}:workers:data`)).toBe(0);
      } finally {
        backdoor.disconnect();
      }
    }
  });
});
