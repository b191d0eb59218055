/**
 * Every route over real HTTP on loopback, on each of the four backends (the same file,
 * parameterised). Results are checked by reading the backend through a second yard and
 * the conformance module's raw backdoor, never only through the API under test.
 * Operations routes need an adapter of specVersion 2; on a specVersion 1 adapter they
 * must answer 501 CAPABILITY_UNSUPPORTED, and the test checks exactly that.
 */
import type { Worker } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServedApi } from '../src/index.js';
import { BACKENDS, type Backend, openBackend } from './support/backends.js';
import { call, serveForTest } from './support/http.js';
import { chargeTask } from './support/tasks.js';
import { waitForState, waitUntil } from './support/wait.js';

describe.each(BACKENDS)('routes on %s', (name) => {
  let backend: Backend;
  let served: ServedApi;
  let v2: boolean;
  const workers: Worker[] = [];

  beforeAll(async () => {
    backend = await openBackend(name);
    v2 = backend.yard.adapter.specVersion === 2;
    served = await serveForTest(backend.yard, { basePath: '/api', redact: { paths: ['card.number'] } });
  });
  afterAll(async () => {
    for (const worker of workers) await worker.stop({ timeout: 0 });
    await served?.close();
    await backend?.close();
  });

  const enqueue = async (payload: unknown, options?: unknown) => {
    const response = await call(served, 'POST', '/jobs', {
      as: 'operator',
      body: { task: 'http.charge', payload, ...(options ? { options } : {}) },
    });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body.id as string;
  };

  it('POST /jobs creates a job the backend holds; GET /jobs/{id} returns it', async () => {
    const created = await call(served, 'POST', '/jobs', {
      as: 'operator',
      body: {
        task: 'http.charge',
        payload: { orderId: 7 },
        options: { priority: 2, metadata: { tenant: 'acme' } },
      },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/api/jobs/${created.body.id}`);
    const stored = await backend.reader.jobs.get(created.body.id);
    expect(stored).toMatchObject({
      task: 'http.charge',
      queue: 'billing',
      priority: 2,
      payload: { orderId: 7 },
    });
    expect(await backend.rawState(created.body.id)).toBe('pending');
    const got = await call(served, 'GET', `/jobs/${created.body.id}`, { as: 'viewer' });
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id: created.body.id, state: 'pending', metadata: { tenant: 'acme' } });
    expect(typeof got.body.createdAt).toBe('string');
    expect(
      (await call(served, 'GET', '/jobs/01970a4e-7c1b-7d2e-8f00-1a2b3c4d5e6f', { as: 'viewer' })).status,
    ).toBe(404);
  });

  it('POST /jobs refuses bad input with typed problems and writes nothing', async () => {
    const before = await backend.reader.jobs.counts({ queue: 'billing' });
    const invalid = await call(served, 'POST', '/jobs', {
      as: 'operator',
      body: { task: 'http.charge', payload: { orderId: 'seven' } },
    });
    expect(invalid.status).toBe(422);
    expect(invalid.headers.get('content-type')).toBe('application/problem+json');
    expect(invalid.body.code).toBe('VALIDATION_FAILED');
    expect(invalid.body.issues[0].path).toBe('orderId');
    const unknown = await call(served, 'POST', '/jobs', {
      as: 'operator',
      body: { task: 'no.such.task', payload: {} },
    });
    expect([unknown.status, unknown.body.code]).toEqual([422, 'UNKNOWN_TASK']);
    const badOption = await call(served, 'POST', '/jobs', {
      as: 'operator',
      body: { task: 'http.charge', payload: { orderId: 1 }, options: { priority: 12 } },
    });
    expect([badOption.status, badOption.body.code]).toEqual([400, 'INVALID_REQUEST']);
    const badDelay = await call(served, 'POST', '/jobs', {
      as: 'operator',
      body: { task: 'http.charge', payload: { orderId: 1 }, options: { delay: 'soon' } },
    });
    expect([badDelay.status, badDelay.body.code]).toEqual([400, 'INVALID_OPTIONS']);
    expect(JSON.stringify(badDelay.body)).not.toMatch(/at .*\.ts:\d+/);
    expect(await backend.reader.jobs.counts({ queue: 'billing' })).toEqual(before);
  });

  it('a unique-key clash is 409 with the existing job id', async () => {
    const first = await enqueue({ orderId: 8 }, { uniqueKey: `order-8-${name}` });
    const clash = await call(served, 'POST', '/jobs', {
      as: 'operator',
      body: { task: 'http.charge', payload: { orderId: 8 }, options: { uniqueKey: `order-8-${name}` } },
    });
    expect(clash.status).toBe(409);
    expect(clash.body).toMatchObject({ code: 'DUPLICATE_JOB', existingJobId: first });
  });

  it('GET /jobs filters by state, task and queue and pages with a cursor', async () => {
    const ids = [];
    for (let n = 100; n < 105; n++)
      ids.push(await enqueue({ orderId: n }, { delay: '1h', metadata: { batch: name } }));
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await call(
        served,
        'GET',
        `/jobs?state=scheduled&task=http.charge&queue=billing&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        { as: 'viewer' },
      );
      expect(page.status).toBe(200);
      expect(page.body.jobs.length).toBeLessThanOrEqual(2);
      for (const job of page.body.jobs) expect(job.state).toBe('scheduled');
      seen.push(...page.body.jobs.map((job: { id: string }) => job.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect([...seen].sort()).toEqual([...ids].sort());
    expect((await call(served, 'GET', '/jobs?limit=1001', { as: 'viewer' })).status).toBe(400);
    const search = await call(
      served,
      'GET',
      `/jobs?metadata=${encodeURIComponent(JSON.stringify({ batch: name }))}&payload=${encodeURIComponent('{"orderId":102}')}`,
      { as: 'viewer' },
    );
    if (v2) {
      expect(search.status).toBe(200);
      expect(search.body.jobs.map((job: { id: string }) => job.id)).toEqual([ids[2]]);
    } else {
      expect([search.status, search.body.code]).toEqual([501, 'CAPABILITY_UNSUPPORTED']);
    }
  });

  it('cancel, retry and remove change the stored job', async () => {
    const id = await enqueue({ orderId: 9 }, { delay: '1h' });
    const cancelled = await call(served, 'POST', `/jobs/${id}/cancel`, { as: 'operator' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toEqual({ id, outcome: 'cancelled' });
    expect(await backend.rawState(id)).toBe('cancelled');
    const again = await call(served, 'POST', `/jobs/${id}/cancel`, { as: 'operator' });
    expect([again.status, again.body.code]).toEqual([409, 'JOB_STATE_CONFLICT']);
    const retried = await call(served, 'POST', `/jobs/${id}/retry`, { as: 'operator' });
    expect(retried.status).toBe(200);
    expect(retried.body.state).toBe('pending');
    await waitUntil(
      () => backend.rawState(id),
      (state) => state === 'pending',
      'the retried job to be pending',
    );
    const retryPending = await call(served, 'POST', `/jobs/${id}/retry`, { as: 'operator' });
    expect([retryPending.status, retryPending.body.code]).toEqual([409, 'JOB_STATE_CONFLICT']);
    expect((await call(served, 'DELETE', `/jobs/${id}`, { as: 'admin' })).status).toBe(204);
    expect(await backend.reader.jobs.get(id)).toBeNull();
    expect(await backend.rawState(id)).toBeNull();
    expect((await call(served, 'DELETE', `/jobs/${id}`, { as: 'admin' })).status).toBe(404);
  });

  it('a running job can be cancelled by an admin, not by an operator', async () => {
    const worker = backend.yard.createWorker({
      queues: ['billing'],
      concurrency: 1,
      leaseDuration: 1000,
      scheduler: false,
    });
    worker.handle(chargeTask, async (payload, ctx) => {
      if (payload.orderId !== 11) return { ok: true };
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
      throw ctx.signal.reason;
    });
    workers.push(worker);
    await worker.start();
    const id = await enqueue({ orderId: 11 });
    await waitForState(backend.reader, id, 'running');
    const denied = await call(served, 'POST', `/jobs/${id}/cancel`, { as: 'operator' });
    expect([denied.status, denied.body.code]).toEqual([403, 'FORBIDDEN']);
    expect((await backend.reader.jobs.get(id))?.state).toBe('running');
    const requested = await call(served, 'POST', `/jobs/${id}/cancel`, { as: 'admin' });
    expect(requested.body).toEqual({ id, outcome: 'requested' });
    await waitForState(backend.reader, id, 'cancelled');
    await worker.stop({ timeout: 1000 });
  });

  it('viewers and list responses get redacted payloads; operators see one job whole', async () => {
    const id = await enqueue(
      { orderId: 12, card: { number: '4111111111111111', holder: 'Ann' } },
      { delay: '1h' },
    );
    const asViewer = await call(served, 'GET', `/jobs/${id}`, { as: 'viewer' });
    expect(asViewer.body.payload.card).toEqual({ number: '[redacted]', holder: 'Ann' });
    const asOperator = await call(served, 'GET', `/jobs/${id}`, { as: 'operator' });
    expect(asOperator.body.payload.card.number).toBe('4111111111111111');
    const listed = await call(served, 'GET', '/jobs?state=scheduled&limit=1000', { as: 'admin' });
    const inList = listed.body.jobs.find((job: { id: string }) => job.id === id);
    expect(inList.payload.card.number).toBe('[redacted]');
    expect(JSON.stringify(listed.body)).not.toContain('4111111111111111');
    expect((await backend.reader.jobs.get(id))?.payload).toMatchObject({
      card: { number: '4111111111111111' },
    });
  });

  it('queues: list with counts, pause and resume persist in the backend', async () => {
    await enqueue({ orderId: 13 }, { delay: '1h' });
    const listed = await call(served, 'GET', '/queues', { as: 'viewer' });
    expect(listed.status).toBe(200);
    const billing = listed.body.queues.find((queue: { name: string }) => queue.name === 'billing');
    expect(billing.paused).toBe(false);
    expect(billing.counts.scheduled).toBeGreaterThan(0);
    expect((await call(served, 'POST', '/queues/billing/pause', { as: 'admin' })).body).toEqual({
      name: 'billing',
      paused: true,
    });
    expect(await backend.reader.queues.isPaused('billing')).toBe(true);
    await call(served, 'POST', '/queues/billing/resume', { as: 'admin' });
    expect(await backend.reader.queues.isPaused('billing')).toBe(false);
    expect((await call(served, 'POST', '/queues/bad%20name/pause', { as: 'admin' })).status).toBe(400);
  });

  it('schedules: list, pause, resume, trigger and remove', async () => {
    await backend.yard.schedules.upsert({
      key: 'nightly',
      task: chargeTask,
      every: '1h',
      payload: { orderId: 14 },
    });
    const listed = await call(served, 'GET', '/schedules', { as: 'viewer' });
    expect(listed.body.schedules.map((schedule: { key: string }) => schedule.key)).toContain('nightly');
    expect((await call(served, 'POST', '/schedules/nightly/pause', { as: 'admin' })).status).toBe(200);
    expect((await backend.reader.schedules.get('nightly'))?.paused).toBe(true);
    expect((await call(served, 'POST', '/schedules/nightly/resume', { as: 'admin' })).status).toBe(200);
    expect((await backend.reader.schedules.get('nightly'))?.paused).toBe(false);
    const triggered = await call(served, 'POST', '/schedules/nightly/trigger', { as: 'operator' });
    expect(triggered.status).toBe(201);
    const job = await backend.reader.jobs.get(triggered.body.id);
    expect(job).toMatchObject({
      task: 'http.charge',
      payload: { orderId: 14 },
      metadata: { scheduleKey: 'nightly' },
    });
    expect((await call(served, 'DELETE', '/schedules/nightly', { as: 'admin' })).status).toBe(204);
    expect(await backend.reader.schedules.get('nightly')).toBeNull();
    expect((await call(served, 'POST', '/schedules/nightly/trigger', { as: 'operator' })).status).toBe(404);
  });

  it('GET /tasks describes the registered tasks with their payload schema', async () => {
    const tasks = await call(served, 'GET', '/tasks', { as: 'viewer' });
    const charge = tasks.body.tasks.find((task: { name: string }) => task.name === 'http.charge');
    expect(charge).toMatchObject({ queue: 'billing', attempts: 1, hasHandler: false });
    expect(charge.payloadSchema.properties.orderId.type).toBe('integer');
  });

  it('bulk and clean act on every matching job (specVersion 2), or answer 501', async () => {
    const ids = [];
    for (let n = 0; n < 3; n++) {
      const created = await call(served, 'POST', '/jobs', {
        as: 'operator',
        body: { task: 'http.mail', payload: { to: `u${n}@example.com` }, options: { delay: '1h' } },
      });
      ids.push(created.body.id as string);
    }
    const bulk = await call(served, 'POST', '/jobs/bulk', {
      as: 'admin',
      body: { action: 'cancel', filter: { queue: 'mail', state: 'scheduled' } },
    });
    const clean = await call(served, 'POST', '/jobs/clean', {
      as: 'admin',
      body: { state: 'cancelled', olderThan: 0, queue: 'mail' },
    });
    if (!v2) {
      expect([bulk.status, bulk.body.code]).toEqual([501, 'CAPABILITY_UNSUPPORTED']);
      expect([clean.status, clean.body.code]).toEqual([501, 'CAPABILITY_UNSUPPORTED']);
      for (const id of ids) expect(await backend.rawState(id)).toBe('scheduled');
      return;
    }
    expect(bulk.status).toBe(200);
    expect(bulk.body).toMatchObject({ matched: 3, changed: 3 });
    expect(clean.status).toBe(200);
    expect(clean.body.changed).toBe(3);
    for (const id of ids) expect(await backend.rawState(id)).toBeNull();
  });

  it('stats, history and workers (specVersion 2), or answer 501', async () => {
    const worker = backend.yard.createWorker({
      queues: ['mail'],
      concurrency: 2,
      leaseDuration: 1000,
      scheduler: false,
    });
    workers.push(worker);
    await worker.start();
    const stats = await call(served, 'GET', '/stats', { as: 'viewer' });
    const history = await call(served, 'GET', '/stats/history?bucket=1m', { as: 'viewer' });
    const listed = await call(served, 'GET', '/workers', { as: 'viewer' });
    if (!v2) {
      for (const response of [stats, history, listed]) {
        expect([response.status, response.body.code]).toEqual([501, 'CAPABILITY_UNSUPPORTED']);
      }
      return;
    }
    expect(stats.status).toBe(200);
    expect(stats.body.queues.map((queue: { queue: string }) => queue.queue)).toContain('billing');
    expect(typeof stats.body.at).toBe('string');
    expect(history.status).toBe(200);
    expect(history.body.bucket).toBe('1m');
    expect(history.body.points.length).toBeGreaterThanOrEqual(60);
    expect(listed.status).toBe(200);
    const mine = listed.body.workers.find((entry: { queues: string[] }) => entry.queues.includes('mail'));
    expect(mine).toMatchObject({ concurrency: 2, pid: process.pid });
  });

  it('GET /health answers without authentication and without detail', async () => {
    const health = await call(served, 'GET', '/health');
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });
  });
});
