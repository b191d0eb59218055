/** `adapter.stats.queues()` on both job-state stores: counts, pause flags, oldest pending job. */
import { describe, expect, it } from 'vitest';
import { STORE_KINDS } from './ops-support.js';
import { newJob, newPrefix, startedAdaptersClosedAfterEach } from './support.js';

describe.each(STORE_KINDS)('queue statistics on the %s store', (_kind, createStore) => {
  const adapterFor = startedAdaptersClosedAfterEach();

  it('per queue: counts as jobs.counts, the pause flag, and when the oldest pending job became runnable', async () => {
    const prefix = newPrefix();
    const adapter = await adapterFor(prefix, { store: await createStore(prefix) });
    const now = Date.now();
    // Pending jobs whose runAt lies in the past, newest id first: the oldest runAt is not the oldest id.
    const late = newJob({ runAt: new Date(now - 5_000) }, now);
    const later = newJob({ runAt: new Date(now - 9_000) }, now + 1);
    const latest = newJob({ runAt: new Date(now - 2_000) }, now + 2);
    const future = newJob({ runAt: new Date(now + 3_600_000) }, now + 3);
    const held = newJob({ queue: 'held', runAt: new Date(now - 1_000) }, now + 4);
    await adapter.enqueue([late, later, latest, future, held]);
    await adapter.queues.pause('held');
    await adapter.queues.pause('empty');
    const snapshot = async () =>
      Object.fromEntries((await adapter.stats.queues()).map((queue) => [queue.queue, queue]));

    let stats = await snapshot();
    expect(Object.keys(stats)).toEqual(['empty', 'held', 'work']);
    expect(stats.work).toEqual({
      queue: 'work',
      counts: await adapter.jobs.counts({ queue: 'work' }),
      oldestPendingAt: new Date(now - 9_000),
      paused: false,
    });
    expect(stats.work!.counts).toMatchObject({ pending: 3, scheduled: 1 });
    expect(stats.held).toMatchObject({ oldestPendingAt: new Date(now - 1_000), paused: true });
    expect(stats.empty).toMatchObject({ oldestPendingAt: null, paused: true, counts: { pending: 0 } });

    // The oldest leaves pending (cancelled): the next oldest takes its place.
    expect(await adapter.jobs.cancel(later.id)).toBe('cancelled');
    expect((await snapshot()).work!.oldestPendingAt).toEqual(new Date(now - 5_000));
    // A removed job leaves too; a manually retried one is pending again from now on.
    expect(await adapter.jobs.remove(late.id)).toBe(true);
    expect((await snapshot()).work!.oldestPendingAt).toEqual(new Date(now - 2_000));
    const retried = (await adapter.jobs.retry(later.id))!;
    stats = await snapshot();
    expect(stats.work!.oldestPendingAt).toEqual(new Date(now - 2_000));
    expect(retried.runAt.getTime()).toBeGreaterThanOrEqual(now);
    expect(stats.work!.counts).toMatchObject({ pending: 2, scheduled: 1, cancelled: 0 });
    // Nothing pending at all: null.
    await adapter.jobs.cancel(latest.id);
    await adapter.jobs.cancel(later.id);
    expect((await snapshot()).work).toMatchObject({
      oldestPendingAt: null,
      counts: { pending: 0, cancelled: 2 },
    });
  });
});
