/**
 * The audit log (one line per write through the yard's logger, whatever the outcome),
 * the closed-by-default `auth` option, and app authenticators (the Node request is
 * passed in; a broken authenticator is a 500 without detail, logged).
 */
import { createSwitchyard, type Logger } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, type ServedApi } from '../src/index.js';
import { type Backend, loadModule, openBackend } from './support/backends.js';
import { call, ROOMY_LIMITS, serveForTest } from './support/http.js';
import { HTTP_TASKS } from './support/tasks.js';

interface Line {
  level: string;
  obj: Record<string, unknown>;
  msg?: string;
}

function recordingLogger(lines: Line[]): Logger {
  const at = (level: string) => (obj: object, msg?: string) =>
    lines.push({ level, obj: obj as Record<string, unknown>, msg });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

describe('audit log and authentication', () => {
  let backend: Backend;
  let served: ServedApi;
  const lines: Line[] = [];
  beforeAll(async () => {
    backend = await openBackend('memory', { logger: recordingLogger(lines) });
    served = await serveForTest(backend.yard);
  });
  afterAll(async () => {
    await served?.close();
    await backend?.close();
  });
  const audits = () => lines.filter((line) => line.obj.audit === true).map((line) => line.obj);

  it("logs every write through the yard's logger with principal, route, job id and outcome", async () => {
    lines.length = 0;
    const created = await call(served, 'POST', '/jobs', {
      as: 'operator',
      body: { task: 'http.charge', payload: { orderId: 1 }, options: { delay: '1h' } },
    });
    const id = created.body.id as string;
    await call(served, 'DELETE', `/jobs/${id}`, { as: 'operator' });
    await call(served, 'POST', `/jobs/${id}/cancel`);
    await call(served, 'DELETE', `/jobs/${id}`, { as: 'admin' });
    await call(served, 'DELETE', `/jobs/${id}`, { as: 'admin' });
    await call(served, 'POST', '/queues/billing/pause', { as: 'admin' });
    await call(served, 'GET', '/jobs', { as: 'admin' });
    await backend.reader.queues.resume('billing');
    expect(audits()).toEqual([
      expect.objectContaining({
        principal: 'operator-user',
        role: 'operator',
        route: 'POST /jobs',
        jobId: id,
        status: 201,
        outcome: 'ok',
      }),
      expect.objectContaining({
        principal: 'operator-user',
        route: 'DELETE /jobs/{id}',
        jobId: id,
        status: 403,
        outcome: 'denied',
      }),
      expect.objectContaining({
        principal: null,
        route: 'POST /jobs/{id}/cancel',
        jobId: id,
        status: 401,
        outcome: 'denied',
      }),
      expect.objectContaining({
        principal: 'admin-user',
        route: 'DELETE /jobs/{id}',
        jobId: id,
        status: 204,
        outcome: 'ok',
      }),
      expect.objectContaining({
        principal: 'admin-user',
        route: 'DELETE /jobs/{id}',
        jobId: id,
        status: 404,
        outcome: 'failed',
      }),
      expect.objectContaining({
        principal: 'admin-user',
        route: 'POST /queues/{name}/pause',
        queue: 'billing',
        status: 200,
      }),
    ]);
    expect(lines.filter((line) => line.obj.audit === true).every((line) => line.level === 'info')).toBe(true);
  });

  it('refuses to build without auth, and warns when auth is none', async () => {
    expect(() => createApi(backend.yard, {} as never)).toThrow(/needs an `auth` option/);
    expect(() => createApi(backend.yard, { auth: 'open' as never })).toThrow(/auth must be/);
    lines.length = 0;
    const api = createApi(backend.yard, { auth: 'none', rateLimit: ROOMY_LIMITS });
    expect(lines.some((line) => line.level === 'warn' && /auth is 'none'/.test(line.msg ?? ''))).toBe(true);
    const response = await api.fetch(
      new Request('http://localhost/queues/billing/pause', { method: 'POST' }),
    );
    expect(response.status).toBe(200);
    expect(audits().at(-1)).toMatchObject({ principal: 'anonymous', role: 'admin' });
    await backend.reader.queues.resume('billing');
  });

  it("passes the Node request to an app authenticator (e.g. the app's session)", async () => {
    const seen: string[] = [];
    const app = await serveForTest(backend.yard, {
      auth: {
        authenticate: (request, { node }) => {
          seen.push(String(node?.req.headers['x-session']), request.method);
          return node?.req.headers['x-session'] === 'alice' ? { name: 'alice', role: 'viewer' } : null;
        },
      },
    });
    try {
      expect((await call(app, 'GET', '/jobs', { headers: { 'x-session': 'alice' } })).status).toBe(200);
      expect((await call(app, 'GET', '/jobs', { headers: { 'x-session': 'mallory' } })).status).toBe(401);
      expect(seen).toEqual(['alice', 'GET', 'mallory', 'GET']);
    } finally {
      await app.close();
    }
  });

  it('answers 500 without detail when the authenticator throws or returns garbage, and logs it', async () => {
    for (const authenticate of [
      () => {
        throw new Error('session store down at /srv/app/session.ts:12');
      },
      () => ({ name: 'x', role: 'root' }) as never,
    ]) {
      lines.length = 0;
      const app = await serveForTest(backend.yard, { auth: { authenticate } });
      try {
        const response = await call(app, 'GET', '/jobs');
        expect([response.status, response.body.code]).toEqual([500, 'INTERNAL']);
        expect(JSON.stringify(response.body)).not.toContain('session.ts');
        expect(lines.some((line) => line.level === 'error')).toBe(true);
      } finally {
        await app.close();
      }
    }
  });

  it('answers 503 when the yard is not started (backend unavailable), without detail', async () => {
    const module = await loadModule('memory');
    const idle = createSwitchyard({
      adapter: module.createAdapter({ prefix: 'sy-idle' }),
      tasks: HTTP_TASKS,
    });
    const app = await serveForTest(idle);
    try {
      const response = await call(app, 'GET', '/jobs', { as: 'viewer' });
      expect([response.status, response.body.code]).toEqual([503, 'NOT_STARTED']);
      expect((await call(app, 'GET', '/health')).body).toEqual({ status: 'unavailable' });
    } finally {
      await app.close();
    }
  });

  it('GET /metrics renders the registry with its content type; publicMetrics opens it; a failing registry is 503', async () => {
    const registry = {
      metrics: async () => 'switchyard_jobs_enqueued_total 3\n',
      contentType: 'text/plain; version=0.0.4',
    };
    const closed = await serveForTest(backend.yard, { metrics: registry });
    const open = await serveForTest(backend.yard, { metrics: registry, publicMetrics: true });
    const broken = await serveForTest(backend.yard, {
      metrics: {
        metrics: async () => Promise.reject(new Error('collector failed')),
        contentType: 'text/plain',
      },
    });
    try {
      expect((await call(closed, 'GET', '/metrics')).status).toBe(401);
      const scraped = await call(closed, 'GET', '/metrics', { as: 'viewer' });
      expect(scraped.status).toBe(200);
      expect(scraped.headers.get('content-type')).toBe('text/plain; version=0.0.4');
      expect(scraped.body).toBe('switchyard_jobs_enqueued_total 3\n');
      expect((await call(open, 'GET', '/metrics')).status).toBe(200);
      const failing = await call(broken, 'GET', '/metrics', { as: 'viewer' });
      expect([failing.status, failing.body.code]).toEqual([503, 'ADAPTER_ERROR']);
      expect((await call(served, 'GET', '/metrics', { as: 'viewer' })).status).toBe(404);
      expect(() => createApi(backend.yard, { auth: 'none', metrics: { metrics: 'x' } as never })).toThrow(
        /metrics/,
      );
    } finally {
      await closed.close();
      await open.close();
      await broken.close();
    }
  });
});
