/**
 * Batched completions: how `CompletionBatches` groups completions into calls, and what the
 * batch script (`lua/complete-batch.ts`) writes, read back through BullMQ's own API on a real
 * Redis. The jobs are made active by a plain BullMQ worker, as the adapter's worker does.
 */
import { createHash } from 'node:crypto';
import { defineTask } from '@switchyard/core';
import { Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type BatchReply,
  type Completion,
  CompletionBatches,
  type CompletionReply,
} from '../src/completion-batches.js';
import { COMPLETE_BATCH } from '../src/lua/complete-batch.js';
import { RetentionTrims } from '../src/retention-trims.js';
import { Scripts } from '../src/scripts.js';
import { eventually, startYardHarness, uniquePrefix, type YardHarness } from './harness.js';
import { REDIS_URL, requireRedis } from './redis-required.js';

describe('CompletionBatches', () => {
  const completion = (id: string): Completion => ({
    id,
    token: 't',
    returnValue: 'null',
    fetchNext: true,
    keepAgeSec: null,
  });
  /** A `send` whose calls the test answers by hand. */
  const manualSend = () => {
    const calls: Array<{ ids: string[]; answer(reply: BatchReply): void; fail(error: unknown): void }> = [];
    const send = (completions: Completion[]) =>
      new Promise<BatchReply>((answer, fail) =>
        calls.push({ ids: completions.map((c) => c.id), answer, fail }),
      );
    return { calls, send };
  };
  const tick = () => new Promise((resolve) => setImmediate(resolve));

  it('answers each completion with the reply at its place in its call', async () => {
    const { calls, send } = manualSend();
    const batches = new CompletionBatches(send);
    const outcomes = ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => batches.add(completion(id)));
    await tick();
    expect(calls.map((call) => call.ids)).toEqual([
      ['a', 'b'],
      ['c', 'd'],
      ['e', 'f'],
    ]);
    const next: CompletionReply = [['name', 'n'], 'g'];
    calls[0]?.answer({ finishedOn: 7, replies: [0, next] });
    calls[1]?.answer({ finishedOn: 8, replies: [-1, 0] });
    calls[2]?.answer({ finishedOn: 9, replies: [0, 0] });
    expect(await Promise.all(outcomes)).toEqual([
      { reply: 0, finishedOn: 7 },
      { reply: next, finishedOn: 7 },
      { reply: -1, finishedOn: 8 },
      { reply: 0, finishedOn: 8 },
      { reply: 0, finishedOn: 9 },
      { reply: 0, finishedOn: 9 },
    ]);
  });

  it('splits a burst evenly over the three calls that may be in flight', async () => {
    const { calls, send } = manualSend();
    const batches = new CompletionBatches(send);
    const outcomes = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((id) => batches.add(completion(id)));
    await tick();
    expect(calls.map((call) => call.ids)).toEqual([
      ['a', 'b', 'c'],
      ['d', 'e'],
      ['f', 'g'],
    ]);
    for (const call of calls) call.answer({ finishedOn: 1, replies: call.ids.map(() => 0) });
    expect(await Promise.all(outcomes)).toHaveLength(7);
  });

  it('keeps three calls in flight at most; completions that arrive meanwhile go out together next', async () => {
    const { calls, send } = manualSend();
    const batches = new CompletionBatches(send);
    const first = batches.add(completion('a'));
    await tick();
    const others = ['b', 'c'].map((id) => batches.add(completion(id)));
    await tick();
    await tick();
    const later = ['d', 'e', 'f'].map((id) => batches.add(completion(id)));
    await tick();
    expect(calls.map((call) => call.ids)).toEqual([['a'], ['b'], ['c']]);
    calls[0]?.answer({ finishedOn: 1, replies: [0] });
    await first;
    await tick();
    expect(calls.map((call) => call.ids)).toEqual([['a'], ['b'], ['c'], ['d', 'e', 'f']]);
    calls[1]?.answer({ finishedOn: 2, replies: [0] });
    calls[2]?.answer({ finishedOn: 2, replies: [0] });
    calls[3]?.answer({ finishedOn: 3, replies: [0, 0, 0] });
    expect((await Promise.all(others)).map((outcome) => outcome.finishedOn)).toEqual([2, 2]);
    expect((await Promise.all(later)).map((outcome) => outcome.finishedOn)).toEqual([3, 3, 3]);
  });

  it('a call that fails rejects every completion it carried, and no other', async () => {
    const { calls, send } = manualSend();
    const batches = new CompletionBatches(send);
    const outcomes = ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => batches.add(completion(id)));
    await tick();
    const refused = new Error('connection lost');
    calls[0]?.fail(refused);
    calls[1]?.answer({ finishedOn: 1, replies: [0, 0] });
    calls[2]?.answer({ finishedOn: 1, replies: [0, 0] });
    const settled = await Promise.allSettled(outcomes);
    expect(settled.map((outcome) => outcome.status)).toEqual([
      'rejected',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    expect(settled[0]).toEqual({ status: 'rejected', reason: refused });
    const after = batches.add(completion('g'));
    await tick();
    expect(calls.at(-1)?.ids).toEqual(['g']);
    calls.at(-1)?.answer({ finishedOn: 2, replies: [0] });
    expect((await after).reply).toBe(0);
  });

  it('a reply that does not match its call rejects every completion of the call', async () => {
    const { calls, send } = manualSend();
    const batches = new CompletionBatches(send);
    const carried = ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => batches.add(completion(id)));
    await tick();
    calls[0]?.answer({ finishedOn: 1, replies: [0] });
    for (const outcome of carried.slice(0, 2))
      await expect(outcome).rejects.toThrow('a batch of 2 completions got 1 replies');
    calls[1]?.answer({ finishedOn: 1, replies: [0, 0] });
    calls[2]?.answer({ finishedOn: 1, replies: [0, 0] });
    await Promise.all(carried.slice(2));
  });
});

describe('RetentionTrims', () => {
  it('runs one removal per queue at a time; what is asked meanwhile is one more run, with the smallest age', async () => {
    const runs: Array<{ queue: string; ageSec: number; done(): void }> = [];
    const trims = new RetentionTrims(
      (queue, ageSec) => new Promise<void>((done) => runs.push({ queue, ageSec, done })),
    );
    trims.request('a', 60);
    trims.request('b', 60);
    trims.request('a', 30);
    trims.request('a', 90);
    expect(runs.map(({ queue, ageSec }) => [queue, ageSec])).toEqual([
      ['a', 60],
      ['b', 60],
    ]);
    let settled = false;
    const whenSettled = trims.settled().then(() => (settled = true));
    runs[0]?.done();
    await new Promise((resolve) => setImmediate(resolve));
    expect(runs.map(({ queue, ageSec }) => [queue, ageSec])).toEqual([
      ['a', 60],
      ['b', 60],
      ['a', 30],
    ]);
    runs[1]?.done();
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    runs[2]?.done();
    await whenSettled;
    expect(runs).toHaveLength(3);
    trims.request('a', 10);
    expect(runs.at(-1)).toMatchObject({ queue: 'a', ageSec: 10 });
  });
});

describe('the batch completion script, read back through BullMQ', () => {
  beforeAll(requireRedis);

  const connection = { url: REDIS_URL, maxRetriesPerRequest: null };
  const closers: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  /** A queue, a plain BullMQ worker that takes jobs by hand, and the adapter's scripts, on a fresh prefix. */
  async function setup() {
    const prefix = uniquePrefix();
    const queue = new Queue('q', { connection, prefix });
    const worker = new Worker('q', null, { connection, prefix, autorun: false });
    const raw = new Redis(REDIS_URL);
    closers.push(
      () => queue.obliterate({ force: true }).then(() => queue.close()),
      () => worker.close(),
      () => raw.quit(),
    );
    const scripts = new Scripts(raw, prefix);
    const key = (suffix: string) => `${prefix}:q:${suffix}`;
    /** Calls the script; the reply per job, and the retention age past which jobs wait for removal. */
    const completeWithAge = async (
      now: number,
      ...jobs: Array<[id: string, token: string, value: string, next: boolean, keepAgeSec?: number]>
    ) => {
      const [replies, trimAgeSec] = (await scripts.completeBatch(
        prefix,
        'q',
        now,
        30_000,
        jobs.flatMap(([id, token, value, next, keepAgeSec]) => [
          id,
          token,
          value,
          next ? '1' : '0',
          keepAgeSec?.toString() ?? '',
        ]),
      )) as [CompletionReply[], number];
      return { replies, trimAgeSec };
    };
    const complete = async (
      now: number,
      ...jobs: Array<[id: string, token: string, value: string, next: boolean]>
    ) => (await completeWithAge(now, ...jobs)).replies;
    const events = async () => (await raw.xrange(key('events'), '-', '+')).map(([, fields]) => fields);
    return { prefix, queue, worker, raw, key, complete, completeWithAge, events };
  }

  it('completes the jobs as BullMQ does and hands each completion that asks one the next job, locked with its token', async () => {
    const { queue, worker, raw, key, complete, events } = await setup();
    const [a, b, c] = await queue.addBulk(
      ['a', 'b', 'c'].map((name) => ({ name, data: { name }, opts: { priority: 5 } })),
    );
    const heldA = await worker.getNextJob('token-a');
    const heldB = await worker.getNextJob('token-b');
    expect([heldA?.id, heldB?.id]).toEqual([a?.id, b?.id]);

    const replies = await complete(
      1_700_000_000_000,
      [a?.id as string, 'token-a', '{"ok":1}', true],
      [b?.id as string, 'token-b', 'null', true],
    );
    expect(replies[0]).toEqual([expect.arrayContaining(['name', 'c']), c?.id]);
    // Nothing was left to fetch for b.
    expect(replies[1]).toBe(0);

    const doneA = await Job.fromId(queue, a?.id as string);
    expect(await doneA?.getState()).toBe('completed');
    expect(doneA?.returnvalue).toEqual({ ok: 1 });
    expect(doneA?.finishedOn).toBe(1_700_000_000_000);
    expect(doneA?.attemptsMade).toBe(1);
    expect(await raw.exists(key(`${a?.id}:lock`))).toBe(0);
    const nextC = await Job.fromId(queue, c?.id as string);
    expect(await nextC?.getState()).toBe('active');
    expect(nextC?.processedOn).toBe(1_700_000_000_000);
    expect(nextC?.attemptsStarted).toBe(1);
    expect(await raw.get(key(`${c?.id}:lock`))).toBe('token-a');
    expect(await queue.getJobCounts('completed', 'active', 'prioritized', 'wait')).toEqual({
      completed: 2,
      active: 1,
      prioritized: 0,
      wait: 0,
    });
    // The event stream tells QueueEvents and bull-board what BullMQ's own scripts would.
    const written = (await events()).filter((fields) => fields[1] !== 'added' && fields[1] !== 'waiting');
    expect(written.map((fields) => [fields[1], fields[3]])).toEqual([
      ['active', a?.id],
      ['active', b?.id],
      ['completed', a?.id],
      ['active', c?.id],
      ['completed', b?.id],
    ]);
  });

  it('leaves untouched a job whose lock it does not hold, one that is not active, and one with a deduplication id', async () => {
    const { queue, worker, raw, key, complete } = await setup();
    const [held] = await queue.addBulk([{ name: 'held', data: {}, opts: { priority: 5 } }]);
    await worker.getNextJob('mine');
    const waiting = await queue.add('waiting', {}, { priority: 5 });
    const before = await Promise.all([
      raw.hgetall(key(held?.id as string)),
      raw.lrange(key('active'), 0, -1),
    ]);

    const replies = await complete(
      1,
      [held?.id as string, 'not-mine', 'null', true],
      [waiting.id as string, 'mine', 'null', true],
    );
    expect(replies).toEqual([-1, -1]);
    expect(
      await Promise.all([raw.hgetall(key(held?.id as string)), raw.lrange(key('active'), 0, -1)]),
    ).toEqual(before);
    expect(await raw.get(key(`${held?.id}:lock`))).toBe('mine');
    expect(await queue.getJobCounts('completed', 'active', 'prioritized')).toEqual({
      completed: 0,
      active: 1,
      prioritized: 1,
    });

    // A job with a deduplication id is BullMQ's to complete (it also frees the id).
    await queue.obliterate({ force: true });
    const deduplicated = await queue.add('dedup', {}, { deduplication: { id: 'once' } });
    await worker.getNextJob('dedup-token');
    expect(await complete(2, [deduplicated.id as string, 'dedup-token', 'null', false])).toEqual([-1]);
    expect(await deduplicated.getState()).toBe('active');
  });

  it.each([
    ['the queue is paused', (queue: Queue) => queue.pause()],
    ['the queue has a global concurrency', (queue: Queue) => queue.setGlobalConcurrency(5)],
    ['the queue has a global rate limit', (queue: Queue) => queue.setGlobalRateLimit(100, 1000)],
    [
      'a delayed job is due (BullMQ promotes it when it fetches)',
      async (queue: Queue) => {
        await queue.add('later', {}, { delay: 1 });
        await new Promise((resolve) => setTimeout(resolve, 10));
      },
    ],
  ])('completes but fetches nothing when %s: the worker fetches through BullMQ', async (_, arrange) => {
    const { queue, worker, complete } = await setup();
    const first = await queue.add('first', {}, { priority: 5 });
    await queue.add('second', {}, { priority: 5 });
    await worker.getNextJob('t');
    await arrange(queue);
    expect(await complete(Date.now(), [first.id as string, 't', 'null', true])).toEqual([0]);
    expect(await first.getState()).toBe('completed');
    expect(await queue.getJobCounts('active')).toEqual({ active: 0 });
  });

  it('with a retention age, says whether completed jobs are past the smallest age of the jobs it completed; it removes none itself', async () => {
    const { queue, worker, completeWithAge } = await setup();
    const [old, recent, next] = await queue.addBulk(
      ['old', 'recent', 'next'].map((name) => ({ name, data: {}, opts: { priority: 5 } })),
    );
    const t0 = 1_700_000_000_000;
    await worker.getNextJob('t');
    // No job was completed before: nothing is past any age.
    expect(await completeWithAge(t0, [old?.id as string, 't', 'null', false, 60])).toEqual({
      replies: [0],
      trimAgeSec: -1,
    });
    await worker.getNextJob('t');
    // 30 s later `old` is past an age of 10 s but not of 60 s; the smallest age of the batch counts.
    expect(await completeWithAge(t0 + 30_000, [recent?.id as string, 't', 'null', false, 60])).toEqual({
      replies: [0],
      trimAgeSec: -1,
    });
    await worker.getNextJob('t');
    expect(await completeWithAge(t0 + 30_000, [next?.id as string, 't', 'null', false, 10])).toEqual({
      replies: [0],
      trimAgeSec: 10,
    });
    // A completion left untouched does not count, whatever its age.
    expect(await completeWithAge(t0 + 30_000, [old?.id as string, 't', 'null', false, 10])).toEqual({
      replies: [-1],
      trimAgeSec: -1,
    });
    expect(await queue.getJobCounts('completed')).toEqual({ completed: 3 });
  });

  it('announces the queue drained when a completion leaves nothing waiting or running', async () => {
    const { queue, worker, complete, events } = await setup();
    const only = await queue.add('only', {}, { priority: 5 });
    await worker.getNextJob('t');
    expect(await complete(Date.now(), [only.id as string, 't', 'null', true])).toEqual([0]);
    expect((await events()).at(-1)).toEqual(['event', 'drained']);
  });
});

describe('a worker of the yard completes its jobs in batches', () => {
  beforeAll(requireRedis);

  let h: YardHarness | undefined;
  let monitor: Redis | undefined;
  afterEach(async () => {
    monitor?.disconnect();
    await h?.close();
    h = undefined;
  });
  const anyPayload = {
    '~standard': { version: 1 as const, vendor: 'test', validate: (value: unknown) => ({ value }) },
  };

  /**
   * Counts the batch script's calls on `prefix` as Redis ran them (`MONITOR`). MONITOR reports
   * after the fact: `counted()` resolves with the count once it has reported a command sent after
   * everything the test waited for.
   */
  async function countBatchCalls(prefix: string, raw: Redis): Promise<{ counted(): Promise<number> }> {
    const sha = createHash('sha1').update(COMPLETE_BATCH).digest('hex');
    let calls = 0;
    const seen = new Set<string>();
    monitor = await new Redis(REDIS_URL).monitor();
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args[0]?.toLowerCase() === 'evalsha' && args[1] === sha && args[4] === prefix) calls++;
      if (args[0]?.toLowerCase() === 'echo' && args[1]) seen.add(args[1]);
    });
    return {
      async counted() {
        const mark = `${prefix}-${seen.size}-${Math.random()}`;
        await raw.echo(mark);
        await eventually(() => seen.has(mark), 'MONITOR to catch up');
        return calls;
      },
    };
  }

  it('300 jobs at concurrency 30 run once each and complete in fewer calls than jobs, read back by BullMQ as completed', async () => {
    const runs = new Map<string, number>();
    const task = defineTask({
      name: 'count-run',
      queue: 'batched',
      schema: anyPayload,
      handler: async (_payload: unknown, ctx) => {
        runs.set(ctx.job.id, (runs.get(ctx.job.id) ?? 0) + 1);
        return { ok: true };
      },
    });
    h = await startYardHarness([task]);
    const harness = h;
    const batch = await countBatchCalls(harness.prefix, harness.raw);
    const jobs = await harness.yard.enqueueMany(
      task,
      Array.from({ length: 300 }, () => ({})),
    );
    await harness.worker({ concurrency: 30 });
    const queue = harness.queue('batched');
    await eventually(
      async () => (await queue.getJobCounts('completed')).completed === 300,
      'all 300 jobs completed',
      20_000,
    );

    expect(runs.size).toBe(300);
    expect([...runs.values()].every((count) => count === 1)).toBe(true);
    const sample = await Job.fromId(queue, jobs[0]?.id as string);
    expect(sample?.finishedOn).toBeGreaterThan(0);
    expect(sample?.attemptsMade).toBe(1);
    expect((await harness.yard.jobs.get(jobs[0]?.id as string))?.state).toBe('completed');
    const calls = await batch.counted();
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThan(300);
  });

  it('with retention.completed, batched completions have BullMQ remove the completed jobs past it', async () => {
    const task = defineTask({
      name: 'kept-a-while',
      queue: 'retained',
      schema: anyPayload,
      handler: async () => 'done',
    });
    h = await startYardHarness([task], {}, { retention: { completed: '1m' } });
    const harness = h;
    const batch = await countBatchCalls(harness.prefix, harness.raw);
    const queue = harness.queue('retained');
    await harness.worker({ concurrency: 5 });
    const first = await harness.yard.enqueueMany(task, [{}, {}, {}]);
    await eventually(
      async () => (await queue.getJobCounts('completed')).completed === 3,
      'the first three completed',
    );
    expect(await batch.counted()).toBeGreaterThan(0);
    // Two of them finished two minutes ago, as far as BullMQ's completed set and records say.
    const completedKey = `${harness.prefix}:retained:completed`;
    for (const job of first.slice(0, 2)) {
      const finishedOn = Number(await harness.raw.zscore(completedKey, job.id)) - 120_000;
      await harness.raw.zadd(completedKey, finishedOn, job.id);
      await harness.raw.hset(`${harness.prefix}:retained:${job.id}`, 'finishedOn', finishedOn);
    }
    const callsBefore = await batch.counted();
    const [later] = await harness.yard.enqueueMany(task, [{}]);
    await eventually(
      async () => (await harness.yard.jobs.get(later?.id as string))?.state === 'completed',
      'the later job completed',
    );
    await eventually(async () => (await Job.fromId(queue, first[0]?.id as string)) === undefined, 'removal');
    expect(await Job.fromId(queue, first[1]?.id as string)).toBeUndefined();
    expect(await harness.yard.jobs.get(first[0]?.id as string)).toBeNull();
    expect((await harness.yard.jobs.get(first[2]?.id as string))?.state).toBe('completed');
    expect(await queue.getJobCounts('completed')).toEqual({ completed: 2 });
    expect(await batch.counted()).toBeGreaterThan(callsBefore);
  });
});
