/**
 * bull-board (its real API package, @bull-board/api 9, on the real Redis) beside a Switchyard yard
 * on the same queues: what it shows, and that none of its actions loses or corrupts a job.
 */
import { CANCELLED_REASON } from '@switchyard/adapter-bullmq';
import { defineTask, NonRetryableError } from '@switchyard/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Board, bullBoard } from './bull-board.js';
import { eventually, startYardHarness, type YardHarness } from './harness.js';
import { requireRedis } from './redis-required.js';

beforeAll(requireRedis);

const order = z.object({ orderId: z.string() });

/** Fails while `failing` holds; records each attempt it ran. */
const runs: Array<{ orderId: string; attempt: number }> = [];
let failing = true;
const shipOrder = defineTask({
  name: 'ship-order',
  schema: order,
  retry: { attempts: 2, backoff: { type: 'fixed', delay: 10 } },
  handler: ({ orderId }, ctx) => {
    runs.push({ orderId, attempt: ctx.attempt });
    if (failing) throw new Error('carrier down');
    return { shipped: orderId };
  },
});

/** Runs once; never retried. */
const sendMail = defineTask({
  name: 'send-mail',
  schema: z.object({ to: z.email() }),
  retry: { attempts: 1 },
  handler: ({ to }, ctx) => {
    if (to.startsWith('fail')) throw new NonRetryableError('mailbox full');
    return { sent: to, attempt: ctx.attempt };
  },
});

/** Waits on its signal: a job that runs until cancelled. */
const longTask = defineTask({
  name: 'long-task',
  schema: z.object({}),
  retry: { attempts: 1 },
  handler: (_payload, ctx) =>
    new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))),
});

let h: YardHarness | undefined;
let board: Board;

async function start(): Promise<YardHarness> {
  h = await startYardHarness([shipOrder, sendMail, longTask]);
  board = bullBoard([h.queue('default')]);
  runs.length = 0;
  failing = true;
  return h;
}

afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** bull-board's listing of one queue and status. */
async function listing(status: string) {
  const response = await board.call(
    'get',
    `/api/queues?activeQueue=default&status=${status}&page=1&jobsPerPage=50`,
  );
  return response.body.queues[0];
}

describe('bull-board shows Switchyard jobs as BullMQ shows its own', () => {
  it('priority 0 is waiting, other priorities prioritized with the same number, future runAt delayed', async () => {
    const { yard } = await start();
    const first = await yard.enqueue(sendMail, { to: 'a@example.com' }, { priority: 0 });
    const usual = await yard.enqueue(sendMail, { to: 'b@example.com' });
    const urgent = await yard.enqueue(sendMail, { to: 'c@example.com' }, { priority: 2 });
    await yard.enqueue(sendMail, { to: 'd@example.com' }, { delay: '1h' });
    const queue = await listing('latest');
    expect(queue.counts).toMatchObject({ waiting: 1, prioritized: 2, delayed: 1 });
    const byId = new Map(queue.jobs.map((job: { id: string }) => [job.id, job]));
    // bull-board lists `priority` only when set (BullMQ's 0 is "no priority").
    expect(byId.get(first.id)).not.toHaveProperty('priority');
    expect(byId.get(usual.id)).toMatchObject({ priority: 5, name: 'send-mail' });
    expect(byId.get(urgent.id)).toMatchObject({ priority: 2 });
    expect((await yard.jobs.get(urgent.id))?.priority).toBe(2);
    // A priority set in bull-board reads the same in Switchyard.
    await board.call('patch', `/api/queues/default/${usual.id}/priority`, { priority: 1 });
    expect((await yard.jobs.get(usual.id))?.priority).toBe(1);
  });

  it('a cancelled job sits under failed, its reason saying it was cancelled; a formatter can mark it', async () => {
    const { yard } = await start();
    const waiting = await yard.enqueue(sendMail, { to: 'x@example.com' }, { delay: '1h' });
    const running = await yard.enqueue(longTask, {});
    await h?.worker();
    await eventually(
      async () => (await yard.jobs.get(running.id))?.state === 'running',
      'the long job to run',
    );
    expect(await yard.jobs.cancel(waiting.id)).toBe('cancelled');
    expect(await yard.jobs.cancel(running.id)).toBe('requested');
    await eventually(
      async () => (await yard.jobs.get(running.id))?.state === 'cancelled',
      'the cancel to land',
    );
    board.adapters[0]?.setFormatter('name', (job) =>
      job.failedReason === CANCELLED_REASON ? `${job.name} (cancelled)` : job.name,
    );
    const failed = await listing('failed');
    expect(failed.jobs).toHaveLength(2);
    for (const job of failed.jobs) {
      expect(job.failedReason).toBe(CANCELLED_REASON);
      expect(job.failedReason).toMatch(/^Cancelled: /);
      expect(job.name).toMatch(/\(cancelled\)$/);
    }
    expect((await yard.jobs.get(waiting.id))?.state).toBe('cancelled');
  });
});

describe('bull-board actions on Switchyard jobs', () => {
  it('retry of a job that used up its attempts: a fresh attempt budget, as yard.jobs.retry', async () => {
    const { yard } = await start();
    const { id } = await yard.enqueue(shipOrder, { orderId: 'o-1' });
    await h?.worker();
    await eventually(async () => (await yard.jobs.get(id))?.state === 'failed', 'the job to fail twice');
    expect(runs).toEqual([
      { orderId: 'o-1', attempt: 1 },
      { orderId: 'o-1', attempt: 2 },
    ]);
    const retried = await board.call('put', `/api/queues/default/${id}/retry`);
    expect(retried.status).toBe(204);
    // Waiting with the full budget again (attempt 0 of 2), no stale error; on a busy machine the worker
    // may already have run the new budget's first attempt, which fails and waits to retry (attempt 1 of 2).
    const waiting = await yard.jobs.get(id);
    expect(waiting?.state).toMatch(/pending|running|retrying/);
    if (waiting?.state === 'pending') {
      expect(waiting.attempt).toBe(0);
      expect(waiting.error).toBeUndefined();
    }
    if (waiting?.state === 'retrying') expect(waiting.attempt).toBe(1);
    // Fails once more (attempt 1 of the new budget), then succeeds on attempt 2.
    await eventually(() => runs.length >= 3, 'the first run after the retry');
    failing = false;
    const done = await yard.jobs.waitFor(id, { timeout: '10s' });
    expect(done).toMatchObject({ state: 'completed', attempt: 2, result: { shipped: 'o-1' } });
    expect(runs.slice(2)).toEqual([
      { orderId: 'o-1', attempt: 1 },
      { orderId: 'o-1', attempt: 2 },
    ]);
  });

  it('retry of a completed single-attempt job runs it again as attempt 1; "retry all" of failed ones too', async () => {
    const { yard } = await start();
    const done = await yard.enqueue(sendMail, { to: 'ok@example.com' });
    const failed = await yard.enqueue(sendMail, { to: 'fail@example.com' });
    await h?.worker();
    await yard.jobs.waitFor(done.id, { timeout: '10s' });
    await yard.jobs.waitFor(failed.id, { timeout: '10s' });
    expect((await board.call('put', `/api/queues/default/${done.id}/retry`)).status).toBe(204);
    const rerun = await eventually(async () => {
      const job = await yard.jobs.get(done.id);
      return job?.state === 'completed' && job.attempt === 1 && job.finishedAt ? job : null;
    }, 'the completed job to run again');
    expect(rerun.result).toEqual({ sent: 'ok@example.com', attempt: 1 });
    const all = await board.call('put', '/api/queues/default/retry/failed');
    expect(all.body).toEqual({ retried: 1, skipped: 0 });
    const again = await yard.jobs.waitFor(failed.id, { timeout: '10s' });
    // Ran again on a fresh budget (attempt 1 of 1), and failed for its own reason, not LEASE_EXPIRED.
    expect(again).toMatchObject({ state: 'failed', attempt: 1, error: { message: 'mailbox full' } });
  });

  it('retry of a cancelled job runs it', async () => {
    const { yard } = await start();
    const { id } = await yard.enqueue(sendMail, { to: 'late@example.com' }, { delay: '1h' });
    await yard.jobs.cancel(id);
    expect((await board.call('put', `/api/queues/default/${id}/retry`)).status).toBe(204);
    expect((await yard.jobs.get(id))?.state).toBe('pending');
    await h?.worker();
    expect(await yard.jobs.waitFor(id, { timeout: '10s' })).toMatchObject({ state: 'completed', attempt: 1 });
    expect((await yard.jobs.counts()).cancelled).toBe(0);
  });

  it('promote: the job runs now, and its runAt says so', async () => {
    const { yard } = await start();
    const { id } = await yard.enqueue(sendMail, { to: 'soon@example.com' }, { delay: '1h' });
    expect((await yard.jobs.get(id))?.state).toBe('scheduled');
    const promotedAt = Date.now();
    expect((await board.call('put', `/api/queues/default/${id}/promote`)).status).toBe(204);
    const pending = await yard.jobs.get(id);
    expect(pending?.state).toBe('pending');
    expect(pending?.runAt.getTime()).toBeLessThanOrEqual(Date.now());
    expect(pending?.runAt.getTime()).toBeGreaterThanOrEqual(promotedAt);
    await h?.worker();
    const done = await yard.jobs.waitFor(id, { timeout: '10s' });
    expect(done.runAt.getTime()).toBeLessThanOrEqual(done.startedAt?.getTime() ?? 0);
  });

  it('edit delay, pause, resume and remove act on the Switchyard job', async () => {
    const { yard } = await start();
    const { id } = await yard.enqueue(sendMail, { to: 'later@example.com' }, { delay: '1h' });
    const runAt = Date.now() + 2 * 3_600_000;
    await board.call('patch', `/api/queues/default/${id}/delay`, { runAt });
    expect(Math.abs(((await yard.jobs.get(id))?.runAt.getTime() ?? 0) - runAt)).toBeLessThan(1000);
    await board.call('put', '/api/queues/default/pause');
    expect(await yard.queues.isPaused('default')).toBe(true);
    await board.call('put', '/api/queues/default/resume');
    expect(await yard.queues.isPaused('default')).toBe(false);
    await board.call('put', `/api/queues/default/${id}/clean`);
    expect(await yard.jobs.get(id)).toBeNull();
  });

  it('"add job" with the envelope as data runs the task; "edit data" changes the payload the handler gets', async () => {
    const { yard } = await start();
    const added = await board.call('post', '/api/queues/default/add', {
      name: 'send-mail',
      data: { v: 1, payload: { to: 'board@example.com' }, maxAttempts: 1 },
      options: {},
    });
    const addedId = String(added.body.job.id);
    const edited = await yard.enqueue(sendMail, { to: 'old@example.com' }, { delay: '1h' });
    await board.call('patch', `/api/queues/default/${edited.id}/update-data`, {
      jobData: { v: 1, payload: { to: 'new@example.com' }, maxAttempts: 1 },
    });
    await board.call('put', `/api/queues/default/${edited.id}/promote`);
    await h?.worker();
    expect(await yard.jobs.waitFor(addedId, { timeout: '10s' })).toMatchObject({
      state: 'completed',
      task: 'send-mail',
      result: { sent: 'board@example.com', attempt: 1 },
    });
    expect(await yard.jobs.waitFor(edited.id, { timeout: '10s' })).toMatchObject({
      state: 'completed',
      result: { sent: 'new@example.com', attempt: 1 },
    });
  });

  it('data edited out of the envelope, or a payload the schema refuses: failed, raw data kept', async () => {
    const { yard } = await start();
    const broken = await yard.enqueue(sendMail, { to: 'a@example.com' }, { delay: '1h' });
    const invalid = await yard.enqueue(sendMail, { to: 'b@example.com' }, { delay: '1h' });
    await board.call('patch', `/api/queues/default/${broken.id}/update-data`, {
      jobData: { to: 'not-an-envelope@example.com' },
    });
    await board.call('patch', `/api/queues/default/${invalid.id}/update-data`, {
      jobData: { v: 1, payload: { to: 'not an email' }, maxAttempts: 1 },
    });
    await board.call('put', '/api/queues/default/promote');
    await h?.worker();
    expect(await yard.jobs.waitFor(broken.id, { timeout: '10s' })).toMatchObject({
      state: 'failed',
      error: { code: 'MALFORMED_JOB' },
    });
    expect(await yard.jobs.waitFor(invalid.id, { timeout: '10s' })).toMatchObject({
      state: 'failed',
      error: { code: 'VALIDATION_FAILED' },
    });
    const raw = (await board.call('get', `/api/queues/default/${broken.id}`)).body.job;
    expect(raw.data).toEqual({ to: 'not-an-envelope@example.com' });
  });
});
