/**
 * Strict ordering in the job-state store, on both stores: the ready index (priority, runAt, id),
 * delayed jobs moving into it when due, the head claim with its pause check and message binding,
 * recovery of a message that came back, and the missing-ticket check.
 */
import { randomUUID } from 'node:crypto';
import { type JobStateStore, type JobWrite, memoryStore, redisStore } from '@switchyard/adapter-sqs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { HeadClaim, TicketOutcome } from '../src/store/types.js';
import { keyPrefixOf, REDIS_URL } from './conformance-adapter.js';
import { dropUsedPrefixes, newPrefix, testClient } from './support.js';

const stores: JobStateStore[] = [];
afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
});
afterEach(async (context) => {
  await dropUsedPrefixes(!context.task.result?.errors?.length);
});

const factories: Array<[string, () => Promise<JobStateStore>]> = [
  ['memory', async () => memoryStore()],
  [
    'redis',
    async () => {
      await testClient();
      const store = redisStore({ url: REDIS_URL, keyPrefix: keyPrefixOf(newPrefix()) });
      await store.connect();
      stores.push(store);
      return store;
    },
  ],
];

function job(id: string, overrides: Partial<JobWrite> = {}): JobWrite {
  return {
    id,
    data: `{"id":"${id}"}`,
    state: 'pending',
    queue: 'q',
    task: 't',
    uniqueKey: '',
    runAt: 1_000,
    createdAt: 1_000,
    priority: 5,
    attempt: 0,
    ...overrides,
  };
}

/** Claims for one message: `want` heads of `queue` at `nowMs`. */
function claim(
  store: JobStateStore,
  spend: { queue?: string; messageId?: string; receipt?: string; want: number; recover?: boolean },
  nowMs = 10_000,
): Promise<TicketOutcome> {
  const request: HeadClaim = {
    nowMs,
    spends: [
      {
        queue: spend.queue ?? 'q',
        messageId: spend.messageId ?? 'm1',
        // Each call is a new receipt of the message unless the test says otherwise.
        receipt: spend.receipt ?? randomUUID(),
        want: spend.want,
        recover: spend.recover ?? false,
      },
    ],
    leaseTokens: Array.from({ length: spend.want }, (_, n) => `tok-${n}`),
  };
  return store.claimHeads!(request).then((outcomes) => outcomes[0]!);
}

const ids = (outcome: TicketOutcome) => outcome.claimed.map(({ job: claimed }) => claimed.id);

describe.each(factories)('%s store: strict ordering', (_name, create) => {
  it('claims the head: priority, then runAt, then id; the claim runs the job under the message', async () => {
    const store = await create();
    await store.insertJobs([
      job('j4', { priority: 5, runAt: 2_000 }),
      job('j2', { priority: 1, runAt: 3_000 }),
      job('j3', { priority: 5, runAt: 1_000 }),
      job('j1', { priority: 1, runAt: 3_000 }),
      job('j5', { priority: 9, runAt: 0 }),
      job('x1', { queue: 'other', priority: 0 }),
    ]);
    const first = await claim(store, { want: 2 }, 10_000);
    expect(ids(first)).toEqual(['j1', 'j2']);
    expect(first).toMatchObject({ paused: false, exhausted: false, unsent: [] });
    expect(first.claimed[0]).toEqual({
      previousState: 'pending',
      job: expect.objectContaining({
        id: 'j1',
        state: 'running',
        version: 2,
        attempt: 1,
        startedAt: 10_000,
        leaseToken: 'tok-0',
        data: '{"id":"j1"}',
      }),
    });
    expect(await store.getJob('j1')).toMatchObject({ state: 'running', attempt: 1, leaseToken: 'tok-0' });
    expect(await store.countJobs('q')).toMatchObject({ pending: 3, running: 2 });
    const rest = await claim(store, { want: 5 });
    expect(ids(rest)).toEqual(['j3', 'j4', 'j5']);
    expect(rest.exhausted).toBe(true);
    expect((await store.queueStats()).find((stats) => stats.queue === 'q')?.oldestPendingRunAt).toBeNull();
  });

  it('moves delayed jobs into the ready index once due, not before', async () => {
    const store = await create();
    await store.insertJobs([
      job('d1', { state: 'scheduled', priority: 0, runAt: 5_000 }),
      job('p1', { priority: 5, runAt: 1_000 }),
    ]);
    expect(ids(await claim(store, { want: 1 }, 4_999))).toEqual(['p1']);
    expect((await claim(store, { want: 1 }, 4_999)).claimed).toEqual([]);
    const due = await claim(store, { want: 1 }, 5_000);
    expect(due.claimed).toEqual([
      { previousState: 'scheduled', job: expect.objectContaining({ id: 'd1', attempt: 1 }) },
    ]);
  });

  it('refuses a paused queue and leaves its jobs ready', async () => {
    const store = await create();
    await store.insertJobs([job('a')]);
    await store.setQueuePaused('q', true);
    expect(await claim(store, { want: 1 })).toEqual({
      paused: true,
      exhausted: false,
      claimed: [],
      unsent: [],
    });
    await store.setQueuePaused('q', false);
    expect(ids(await claim(store, { want: 1 }))).toEqual(['a']);
  });

  it('writes keep the indexes: release back to ready, retry to delayed, cancel and delete out', async () => {
    const store = await create();
    await store.insertJobs([
      job('r1', { priority: 2 }),
      job('r2', { priority: 3 }),
      job('r3', { priority: 4 }),
    ]);
    const claimed = await claim(store, { want: 3 });
    const versionOf = (id: string) => claimed.claimed.find(({ job: one }) => one.id === id)!.job.version;
    // Released: ready again at its place (priority 2 before the others).
    expect(await store.updateJob(versionOf('r1'), job('r1', { priority: 2, attempt: 0 }))).toBe(3);
    // Retried with backoff: delayed until 20 s.
    expect(
      await store.updateJob(
        versionOf('r2'),
        job('r2', { state: 'retrying', priority: 3, runAt: 20_000, attempt: 1 }),
      ),
    ).toBe(3);
    await store.insertJobs([job('r4', { priority: 9 }), job('r5', { priority: 9 })]);
    expect(await store.updateJob(1, job('r4', { state: 'cancelled', priority: 9, finishedAt: 1 }))).toBe(2);
    expect(await store.deleteJob('r5')).toBe(true);
    expect(ids(await claim(store, { want: 5 }, 10_000))).toEqual(['r1']);
    expect(ids(await claim(store, { want: 5 }, 20_000))).toEqual(['r2']);
    expect((await claim(store, { want: 5 }, 20_000)).exhausted).toBe(true);
  });

  it('a message that comes back puts back the jobs its earlier receipt still ran, and reports jobs whose own ticket may be unsent', async () => {
    const store = await create();
    await store.insertJobs([job('h1'), job('h2'), job('h3'), job('h4')]);
    const first = await claim(store, { messageId: 'm1', want: 4 });
    const version = (id: string) => first.claimed.find(({ job: one }) => one.id === id)!.job.version;
    // h1 finished; h2 moved to its own ticket (retry with backoff) that may never have been sent.
    await store.updateJob(version('h1'), job('h1', { state: 'completed', finishedAt: 5, attempt: 1 }));
    await store.updateJob(
      version('h2'),
      job('h2', { state: 'retrying', runAt: 50_000, attempt: 1, movedOff: 'm1' }),
    );
    // The holder died with h3 and h4 running: m1 comes back.
    const again = await claim(store, { messageId: 'm1', want: 1, recover: true }, 11_000);
    expect(again.unsent).toEqual(['h2']);
    expect(again.claimed).toEqual([
      {
        previousState: 'running',
        job: expect.objectContaining({ id: 'h3', attempt: 2, leaseToken: 'tok-0', startedAt: 11_000 }),
      },
    ]);
    // h4 waits in the ready index for any ticket; its old lease no longer holds (token cleared, version moved).
    expect(await store.getJob('h4')).toMatchObject({ state: 'running', version: version('h4') + 1 });
    expect((await store.getJob('h4'))?.leaseToken).toBeUndefined();
    expect(await store.updateJob(version('h4'), job('h4', { state: 'completed', finishedAt: 5 }))).toBeNull();
    expect(ids(await claim(store, { messageId: 'm2', want: 2 }))).toEqual(['h4']);
    // Recovering m1 again: h3 now runs under this receipt of m1 only if claimed again; h2 still unsent.
    expect((await claim(store, { messageId: 'm1', want: 0, recover: true })).unsent).toEqual(['h2']);
  });

  it("two claims of one receipt in flight at once never take back each other's jobs; another receipt does", async () => {
    const store = await create();
    await store.insertJobs([job('c1'), job('c2'), job('c3')]);
    // Both claims recover: neither had the other's answer when it was sent.
    const [first, second] = await Promise.all([
      claim(store, { messageId: 'm1', receipt: 'r1', want: 1, recover: true }),
      claim(store, { messageId: 'm1', receipt: 'r1', want: 1, recover: true }),
    ]);
    const claimed = [...first.claimed, ...second.claimed];
    expect(claimed.map(({ job: one }) => one.id).sort()).toEqual(['c1', 'c2']);
    expect(claimed.map(({ previousState }) => previousState)).toEqual(['pending', 'pending']);
    for (const { job: one } of claimed) {
      expect(await store.getJob(one.id)).toMatchObject({
        state: 'running',
        version: one.version,
        leaseToken: one.leaseToken,
      });
    }
    // A later receipt of m1 (its holder lost the message) takes both back, then the third.
    const later = await claim(store, { messageId: 'm1', receipt: 'r2', want: 3, recover: true });
    expect(ids(later).sort()).toEqual(['c1', 'c2', 'c3']);
  });

  it("one claim recovers every message first: another message of the call claims what a recovery put back, not 'exhausted'", async () => {
    const store = await create();
    await store.insertJobs([job('r1'), job('r2')]);
    // Both run under m1's first receipt, whose holder then dies.
    await claim(store, { messageId: 'm1', receipt: 'first', want: 2 });
    // m2's tickets come first in the call, m1's new receipt (nothing to spend yet) after.
    const [spender, returning] = await store.claimHeads!({
      nowMs: 11_000,
      spends: [
        { queue: 'q', messageId: 'm2', receipt: 'x', want: 2, recover: true },
        { queue: 'q', messageId: 'm1', receipt: 'second', want: 0, recover: true },
      ],
      leaseTokens: ['t0', 't1'],
    });
    expect(ids(spender!).sort()).toEqual(['r1', 'r2']);
    expect(spender!.exhausted).toBe(false);
    expect(returning!.claimed).toEqual([]);
  });

  it('reports missing tickets only for a queue with ready jobs nobody claimed from for the grace period', async () => {
    const store = await create();
    await store.insertJobs([job('s1'), job('s2', { state: 'scheduled', runAt: 30_000 })]);
    expect(await store.missingTickets!('q', 10_000, 5_000, 100)).toBe(1);
    // The check counts as a claim: the next one waits a whole grace period again.
    expect(await store.missingTickets!('q', 12_000, 5_000, 100)).toBe(0);
    expect(await store.missingTickets!('q', 15_000, 5_000, 100)).toBe(1);
    await claim(store, { want: 0 }, 20_000);
    expect(await store.missingTickets!('q', 24_000, 5_000, 100)).toBe(0);
    // Due delayed jobs count too; at most `cap`.
    expect(await store.missingTickets!('q', 30_000, 5_000, 1)).toBe(1);
    expect(await store.missingTickets!('q', 40_000, 5_000, 100)).toBe(2);
    await store.setQueuePaused('q', true);
    expect(await store.missingTickets!('q', 50_000, 5_000, 100)).toBe(0);
    expect(await store.missingTickets!('empty', 50_000, 5_000, 100)).toBe(0);
  });

  it('FIFO marks: a job marked unrung stays listed until its doorbell is confirmed, it is claimed or it finishes', async () => {
    const store = await create();
    await store.insertJobs([
      job('u1', { unrungSince: 1_000 }),
      job('u2', { unrungSince: 2_000 }),
      job('u3', { unrungSince: 3_000 }),
      job('u4'),
    ]);
    expect(await store.unrungBefore!(2_500, 10)).toEqual(['u1', 'u2']);
    await store.markRung!(['u1']);
    expect(await store.unrungBefore!(5_000, 10)).toEqual(['u2', 'u3']);
    // Claimed (named claim: a compare-and-set to running) and finished jobs lose their mark.
    expect(await store.updateJob(1, job('u2', { state: 'running', attempt: 1 }))).toBe(2);
    expect(await store.updateJob(1, job('u3', { state: 'cancelled', finishedAt: 5 }))).toBe(2);
    expect(await store.unrungBefore!(5_000, 10)).toEqual([]);
    // A write that sends the doorbell again marks it again (a manual retry); a delete drops it.
    expect(await store.updateJob(1, job('u4', { unrungSince: 4_000 }))).toBe(2);
    expect(await store.unrungBefore!(5_000, 1)).toEqual(['u4']);
    expect(await store.deleteJob('u4')).toBe(true);
    expect(await store.unrungBefore!(5_000, 10)).toEqual([]);
  });
});
