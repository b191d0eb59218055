import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, holdLeases, startHarness } from './harness.js';

describe('memory adapter: ordering and delay', () => {
  let h: Harness;
  afterEach(async () => {
    await h.adapter.close();
  });

  it('delivers by priority, then runAt, then enqueue order, with due delayed jobs joining the order', async () => {
    h = await startHarness();
    const now = h.clock.now();
    const jobs = {
      a: h.job({ priority: 5 }),
      b: h.job({ priority: 1 }),
      c: h.job({ priority: 5, runAt: new Date(now - 1000) }),
      d: h.job({ priority: 1 }),
      e: h.job({ priority: 0, runAt: new Date(now + 500) }),
      f: h.job({ priority: 9 }),
    };
    const names = new Map(Object.entries(jobs).map(([name, job]) => [job.id, name]));
    await h.adapter.enqueue(Object.values(jobs));
    const held = holdLeases(h.adapter, ['default'], { concurrency: 1 });
    await h.flush();
    expect(held.leases.map((lease) => names.get(lease.job.id))).toEqual(['b']);

    // e becomes due while b runs: it outranks everything that is left.
    await h.clock.advance(500);
    for (let index = 0; index < 5; index++) {
      await held.leases[index]!.complete(undefined);
      await h.flush();
    }
    expect(held.leases.map((lease) => names.get(lease.job.id))).toEqual(['b', 'e', 'd', 'c', 'a', 'f']);
  });

  it('matches a sort by (priority, runAt, enqueue order) for many random jobs', async () => {
    h = await startHarness();
    const now = h.clock.now();
    const jobs = Array.from({ length: 300 }, (_, index) =>
      h.job({ priority: (index * 7) % 10, runAt: new Date(now - ((index * 13) % 5) * 1000) }),
    );
    await h.adapter.enqueue(jobs);
    const expected = jobs
      .map((job, seq) => ({ job, seq }))
      .sort(
        (x, y) =>
          x.job.priority - y.job.priority || x.job.runAt.getTime() - y.job.runAt.getTime() || x.seq - y.seq,
      )
      .map(({ job }) => job.id);
    const seen: string[] = [];
    h.adapter.consume(['default'], { concurrency: 1, leaseDurationMs: 30_000 }, async (lease) => {
      seen.push(lease.job.id);
      await lease.complete(null);
    });
    for (let turn = 0; turn < 20 && seen.length < jobs.length; turn++) await h.flush();
    expect(seen).toEqual(expected);
  });

  it('picks the best head across several queues of one consumer', async () => {
    h = await startHarness();
    const low = h.job({ queue: 'q1', priority: 7 });
    const high = h.job({ queue: 'q2', priority: 2 });
    await h.adapter.enqueue([low, high]);
    const held = holdLeases(h.adapter, ['q1', 'q2'], { concurrency: 1 });
    await h.flush();
    expect(held.leases.map((lease) => lease.job.id)).toEqual([high.id]);
  });

  it('keeps a delayed job scheduled until its runAt, then delivers it, from one clock timer', async () => {
    h = await startHarness();
    const now = h.clock.now();
    const delayed = h.job({ runAt: new Date(now + 1000) });
    const others = Array.from({ length: 50 }, (_, index) => h.job({ runAt: new Date(now + 5000 + index) }));
    await h.adapter.enqueue([delayed, ...others]);
    // One timer for all delayed jobs: no timer per job, no polling loop.
    expect(h.clock.pendingTimers).toBe(1);
    const held = holdLeases(h.adapter, ['default'], { concurrency: 10 });
    await h.clock.advance(999);
    expect(held.leases).toHaveLength(0);
    expect((await h.adapter.jobs.get(delayed.id))?.state).toBe('scheduled');
    await h.clock.advance(1);
    expect(held.leases.map((lease) => lease.job.id)).toEqual([delayed.id]);
    expect(held.leases[0]!.job.state).toBe('running');
    expect(held.leases[0]!.job.attempt).toBe(1);
    expect(held.leases[0]!.job.startedAt?.getTime()).toBe(now + 1000);
  });

  it('re-arms the timer when an earlier delayed job arrives', async () => {
    h = await startHarness();
    const now = h.clock.now();
    await h.adapter.enqueue([h.job({ runAt: new Date(now + 10_000) })]);
    const early = h.job({ runAt: new Date(now + 100) });
    await h.adapter.enqueue([early]);
    const held = holdLeases(h.adapter, ['default']);
    await h.clock.advance(100);
    expect(held.leases.map((lease) => lease.job.id)).toEqual([early.id]);
  });
});
