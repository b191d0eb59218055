/**
 * Mounting: the same API under a path prefix chosen at run time, served by a plain Node
 * server, inside Express, inside Fastify, inside another Hono app, and as a web fetch
 * handler (what a Next.js route handler calls) — each exercised over real HTTP.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, fastifyPlugin, toNodeHandler } from '../src/index.js';
import { type Backend, openBackend } from './support/backends.js';
import { ROOMY_LIMITS, TOKENS, testAuth } from './support/http.js';

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Enqueue through the API, read it back through the API, and check the backend holds it. */
async function roundTrip(origin: string, prefix: string, backend: Backend): Promise<void> {
  const headers = { authorization: `Bearer ${TOKENS.operator}`, 'content-type': 'application/json' };
  const created = await fetch(`${origin}${prefix}/jobs`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ task: 'http.charge', payload: { orderId: 42 } }),
  });
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: string };
  expect(created.headers.get('location')).toBe(`${prefix}/jobs/${id}`);
  const got = await fetch(`${origin}${prefix}/jobs/${id}`, { headers });
  expect(got.status).toBe(200);
  expect(((await got.json()) as { payload: unknown }).payload).toEqual({ orderId: 42 });
  expect((await backend.reader.jobs.get(id))?.payload).toEqual({ orderId: 42 });
  const unauthenticated = await fetch(`${origin}${prefix}/jobs`);
  expect(unauthenticated.status).toBe(401);
  expect(unauthenticated.headers.get('content-type')).toBe('application/problem+json');
}

describe('mounting', () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await openBackend('memory');
  });
  afterAll(async () => {
    await backend?.close();
  });
  const api = (basePath: string) =>
    createApi(backend.yard, { auth: testAuth, basePath, rateLimit: ROOMY_LIMITS });

  it('plain Node http server: createServer(toNodeHandler(api)) under a run-time prefix', async () => {
    const prefix = `/p${Math.random().toString(36).slice(2, 8)}/api`;
    const server = createServer(toNodeHandler(api(prefix)));
    const origin = await listen(server);
    try {
      await roundTrip(origin, prefix, backend);
      expect((await fetch(`${origin}/jobs`)).status).toBe(404);
    } finally {
      await close(server);
    }
  });

  it('Express: app.use(toNodeHandler(api)), the rest of the app still answers', async () => {
    const app = express();
    app.use(toNodeHandler(api('/admin/api')));
    app.use(express.json());
    app.get('/hello', (_req, res) => {
      res.json({ hello: 'world' });
    });
    const server = createServer(app);
    const origin = await listen(server);
    try {
      await roundTrip(origin, '/admin/api', backend);
      expect(await (await fetch(`${origin}/hello`)).json()).toEqual({ hello: 'world' });
    } finally {
      await close(server);
    }
  });

  it("Express: app.use('/admin/api', toNodeHandler(api)) mounted at the prefix", async () => {
    const app = express();
    app.use('/admin/api', toNodeHandler(api('/admin/api')));
    const server = createServer(app);
    const origin = await listen(server);
    try {
      await roundTrip(origin, '/admin/api', backend);
    } finally {
      await close(server);
    }
  });

  it('Fastify: fastify.register(fastifyPlugin(api)); its own JSON routes keep working', async () => {
    const fastify = Fastify();
    await fastify.register(fastifyPlugin(api('/jobs-api')));
    fastify.post('/echo', async (request) => ({ got: request.body }));
    await fastify.listen({ port: 0, host: '127.0.0.1' });
    const origin = `http://127.0.0.1:${(fastify.server.address() as AddressInfo).port}`;
    try {
      await roundTrip(origin, '/jobs-api', backend);
      const echo = await fetch(`${origin}/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"a":1}',
      });
      expect(await echo.json()).toEqual({ got: { a: 1 } });
    } finally {
      await fastify.close();
    }
  });

  it('inside another Hono app: host.route("/", api), served by @hono/node-server', async () => {
    const host = new Hono();
    host.get('/', (c) => c.text('home'));
    host.route('/', api('/internal/jobs'));
    const server = serve({ fetch: host.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
    await once(server, 'listening');
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await roundTrip(origin, '/internal/jobs', backend);
      expect(await (await fetch(origin)).text()).toBe('home');
    } finally {
      await close(server);
    }
  });

  it('as a web fetch handler (a Next.js route handler exports it as GET/POST/DELETE)', async () => {
    const handler = (request: Request) => api('/api/jobs').fetch(request);
    const GET = handler;
    const POST = handler;
    const created = await POST(
      new Request('http://localhost/api/jobs/jobs', {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKENS.operator}`, 'content-type': 'application/json' },
        body: JSON.stringify({ task: 'http.charge', payload: { orderId: 5 } }),
      }),
    );
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const got = await GET(
      new Request(`http://localhost/api/jobs/jobs/${id}`, {
        headers: { authorization: `Bearer ${TOKENS.viewer}` },
      }),
    );
    expect(got.status).toBe(200);
    expect((await backend.reader.jobs.get(id))?.payload).toEqual({ orderId: 5 });
  });
});
