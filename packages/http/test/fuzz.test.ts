/**
 * A fuzz corpus of malformed requests, generated here from a seeded generator so a
 * failure replays: bad JSON, wrong types, unknown fields, huge bodies, unicode and path
 * tricks in ids and names, query garbage, missing or wrong content types, header
 * injection over a raw socket. Every answer must be 4xx (never 5xx), the server must
 * stay up, and the backend must be exactly as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServedApi } from '../src/index.js';
import { type Backend, openBackend } from './support/backends.js';
import { serveForTest, TOKENS } from './support/http.js';
import { rawRequest } from './support/raw-http.js';
import { backendSnapshot } from './support/snapshot.js';
import { chargeTask } from './support/tasks.js';

/** mulberry32: a small seeded generator, so the corpus is the same on every run. */
function seeded(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (max: number) => Math.floor(next() * max),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
  };
}

interface FuzzRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

const VALID_ID = '01970a4e-7c1b-7d2e-8f00-1a2b3c4d5e6f';
const ID_TRICKS = [
  '..',
  '..%2f..%2fetc%2fpasswd',
  '%2e%2e%2f',
  '%252e%252e',
  'x%00y',
  '%00',
  'caf%C3%A9',
  '%F0%9F%92%A5',
  '%E2%80%AE' + 'txt.exe',
  '%C0%AF',
  '%FF%FE',
  'a'.repeat(2000),
  `${VALID_ID}x`,
  `${VALID_ID}%20`,
  VALID_ID.toUpperCase().replace('-', '_'),
  '%0d%0aX-Injected:%201',
  '%3Cscript%3E',
  "1'%20OR%20'1'='1",
  '%7B%7D',
  'null',
  '-1',
  '1e309',
  '%20',
  '%E3%80%80',
  'name%2Fwith%2Fslash',
];
const QUERY_TRICKS = [
  'limit=-1',
  'limit=0',
  'limit=1001',
  'limit=1e9',
  'limit=abc',
  'limit=1.5',
  'limit=',
  'state=nope',
  'state=failed,nope',
  'state=',
  'task=bad%20name',
  'task=%00',
  `queue=${'q'.repeat(200)}`,
  'createdAfter=yesterday',
  'createdBefore=2024-13-45',
  'finishedBefore=%F0%9F%92%A5',
  'metadata=notjson',
  'metadata=%5B1%2C2%5D',
  'metadata=%7B%22a%22%3A1%7D',
  'payload=%5B%5D',
  `payload=${'%7B%22a%22%3A'.repeat(3)}1`,
  `payload=${encodeURIComponent(JSON.stringify({ big: 'x'.repeat(5000) }))}`,
  'cursor=',
  `cursor=${'c'.repeat(2000)}`,
  'unknown=1',
  'limit=1&limit=2',
  'task=a&task=b',
  '__proto__=1',
  'constructor[prototype][admin]=1',
];
const BAD_JSON = [
  '{',
  '{"task":',
  '{"task":"http.charge",}',
  "{'task':'http.charge'}",
  '[]',
  'null',
  '42',
  '"string"',
  'true',
  '\u0000',
  '{"task":"http.charge","payload":{"orderId":1}',
  '\uFEFF{"task":"http.charge"}',
  'NaN',
  '{"__proto__":{"admin":true}}',
  '['.repeat(5000) + ']'.repeat(5000),
  `${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`,
];

function wrongEnqueueBodies(rng: ReturnType<typeof seeded>): unknown {
  const valid = { task: 'http.charge', payload: { orderId: 1 }, options: { priority: 1 } };
  const mutations: Array<() => unknown> = [
    () => ({ ...valid, task: rng.pick([1, null, true, [], {}, '', 'bad name', 'x'.repeat(200), '../x']) }),
    () => ({ ...valid, payload: { orderId: rng.pick(['1', 1.5, null, [], {}, 'x'.repeat(10)]) } }),
    () => ({ ...valid, options: { priority: rng.pick([-1, 10, 1.5, '1', null, [], {}]) } }),
    () => ({ ...valid, options: { delay: rng.pick([-5, 'soon', '', {}, [], true, 'x'.repeat(100)]) } }),
    () => ({ ...valid, options: { runAt: rng.pick(['not a date', {}, [], true, -1, 'x'.repeat(100)]) } }),
    () => ({ ...valid, options: { uniqueKey: rng.pick(['', 1, null, [], 'k'.repeat(300)]) } }),
    () => ({ ...valid, options: { metadata: rng.pick([[], 'x', { a: 1 }, { a: null }, { '': 'x' }]) } }),
    () => ({ ...valid, options: { retry: { attempts: rng.pick([0, -1, 'many', 1.5, null]) } } }),
    () => ({
      ...valid,
      options: { retry: { backoff: rng.pick([{ type: 'weird', delay: 1 }, {}, 5, [], null]) } },
    }),
    () => ({ ...valid, options: { queue: rng.pick(['bad queue', '', 1, '..', 'q'.repeat(200)]) } }),
    () => ({ ...valid, [rng.pick(['extra', 'role', '__proto__x', 'id'])]: 1 }),
    () => ({ ...valid, options: { ...valid.options, unknownOption: true } }),
    () => rng.pick([[valid], 'valid', 1, null]),
  ];
  return rng.pick(mutations)();
}

function wrongBulkBodies(rng: ReturnType<typeof seeded>): { path: string; body: unknown } {
  const options: Array<() => { path: string; body: unknown }> = [
    () => ({
      path: '/jobs/bulk',
      body: { action: rng.pick(['delete', '', 1, null]), filter: { state: 'failed' } },
    }),
    () => ({ path: '/jobs/bulk', body: { action: 'remove', filter: {} } }),
    () => ({
      path: '/jobs/bulk',
      body: { action: 'retry', filter: { state: rng.pick(['done', [], 1, ['x']]) } },
    }),
    () => ({ path: '/jobs/bulk', body: { action: 'retry', filter: { state: 'failed', extra: 1 } } }),
    () => ({ path: '/jobs/bulk', body: { action: 'retry', filter: 'state=failed' } }),
    () => ({ path: '/jobs/bulk', body: { action: 'retry', filter: { state: 'completed' } } }),
    () => ({
      path: '/jobs/bulk',
      body: { action: 'cancel', filter: { state: 'failed' }, batchSize: rng.pick([0, 5000, 'x']) },
    }),
    () => ({ path: '/jobs/bulk', body: { action: 'cancel', filter: { state: 'pending' }, all: 'yes' } }),
    () => ({
      path: '/jobs/clean',
      body: { state: rng.pick(['pending', 'running', '', 1]), olderThan: '1h' },
    }),
    () => ({
      path: '/jobs/clean',
      body: { state: 'completed', olderThan: rng.pick(['forever', -1, null, {}]) },
    }),
    () => ({ path: '/jobs/clean', body: { state: 'completed' } }),
    () => ({ path: '/jobs/clean', body: { state: 'failed', olderThan: '1h', queue: 'bad queue' } }),
  ];
  return rng.pick(options)();
}

/** The corpus: at least 1,000 requests through fetch. */
function corpus(seed: number): FuzzRequest[] {
  const rng = seeded(seed);
  const admin = { authorization: `Bearer ${TOKENS.admin}` };
  const requests: FuzzRequest[] = [];
  const json = { ...admin, 'content-type': 'application/json' };
  for (const text of BAD_JSON) {
    for (const path of ['/jobs', '/jobs/bulk', '/jobs/clean'])
      requests.push({ method: 'POST', path, headers: json, body: text });
  }
  for (let index = 0; index < 500; index++) {
    requests.push({
      method: 'POST',
      path: '/jobs',
      headers: json,
      body: JSON.stringify(wrongEnqueueBodies(rng)),
    });
  }
  for (let index = 0; index < 200; index++) {
    const { path, body } = wrongBulkBodies(rng);
    requests.push({ method: 'POST', path, headers: json, body: JSON.stringify(body) });
  }
  const idRoutes: Array<[string, (id: string) => string]> = [
    ['GET', (id) => `/jobs/${id}`],
    ['DELETE', (id) => `/jobs/${id}`],
    ['POST', (id) => `/jobs/${id}/cancel`],
    ['POST', (id) => `/jobs/${id}/retry`],
    ['POST', (id) => `/queues/${id}/pause`],
    ['POST', (id) => `/queues/${id}/resume`],
    ['POST', (id) => `/schedules/${id}/pause`],
    ['POST', (id) => `/schedules/${id}/trigger`],
    ['DELETE', (id) => `/schedules/${id}`],
  ];
  for (const trick of ID_TRICKS) {
    for (const [method, path] of idRoutes) {
      // A trick that happens to be a legal queue or schedule name is a valid request there.
      if (!path('').startsWith('/jobs') && /^[A-Za-z0-9._:-]{1,128}$/.test(trick)) continue;
      requests.push({ method, path: path(trick), headers: admin });
    }
  }
  for (const trick of QUERY_TRICKS) {
    for (const path of ['/jobs', '/stats/history', '/events']) {
      // Repeated names are a valid filter list on /events (a stream that stays open), not a malformed request.
      if (path === '/events' && trick === 'task=a&task=b') continue;
      requests.push({ method: 'GET', path: `${path}?${trick}`, headers: admin });
    }
  }
  const validBody = JSON.stringify({ task: 'http.charge', payload: { orderId: 1 } });
  for (const contentType of [
    undefined,
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data',
    'application/xml',
  ]) {
    for (const path of ['/jobs', '/jobs/bulk', '/jobs/clean']) {
      requests.push({
        method: 'POST',
        path,
        headers: contentType ? { ...admin, 'content-type': contentType } : admin,
        body: new TextEncoder().encode(validBody),
      });
    }
  }
  // A payload under the body limit but over core's payload cap: 413 PAYLOAD_TOO_LARGE.
  requests.push({
    method: 'POST',
    path: '/jobs',
    headers: json,
    body: JSON.stringify({
      task: 'http.charge',
      payload: { orderId: 1, card: { number: 'x'.repeat(300_000), holder: 'a' } },
    }),
  });
  for (const method of ['PUT', 'PATCH', 'OPTIONS']) {
    for (const path of ['/jobs', `/jobs/${VALID_ID}`, '/queues', '/schedules'])
      requests.push({ method, path, headers: admin });
  }
  for (let index = 0; index < 60; index++) {
    const path = rng.pick(['/jobs', '/jobs/bulk', '/queues/billing/pause', `/jobs/${VALID_ID}`]);
    requests.push({
      method: rng.pick(['GET', 'POST', 'DELETE']),
      path,
      headers: {
        authorization: rng.pick([
          'Bearer',
          `Bearer ${'z'.repeat(rng.int(600))}`,
          'Token abc',
          'Bearer a\tb',
          '',
        ]),
      },
    });
  }
  return requests;
}

describe('fuzz corpus (memory backend)', () => {
  let backend: Backend;
  let served: ServedApi;
  let port: number;
  beforeAll(async () => {
    backend = await openBackend('memory');
    served = await serveForTest(backend.yard, { basePath: '/api' });
    port = served.port;
    await backend.reader.enqueue(chargeTask, { orderId: 1 }, { delay: '1h' });
    await backend.reader.schedules.upsert({
      key: 'nightly',
      task: chargeTask,
      every: '1h',
      payload: { orderId: 1 },
    });
  });
  afterAll(async () => {
    await served?.close();
    await backend?.close();
  });

  it('answers at least 1,000 malformed requests with 4xx, writes nothing and stays up', async () => {
    const requests = corpus(0x5eed);
    expect(requests.length).toBeGreaterThanOrEqual(1000);
    const before = await backendSnapshot(backend.reader);
    const failures: string[] = [];
    for (let start = 0; start < requests.length; start += 16) {
      await Promise.all(
        requests.slice(start, start + 16).map(async (request) => {
          const response = await fetch(`${served.url}${request.path}`, {
            method: request.method,
            ...(request.headers ? { headers: request.headers } : {}),
            ...(request.body !== undefined ? { body: request.body } : {}),
            signal: AbortSignal.timeout(5000),
          });
          const text = await response.text();
          if (response.status < 400 || response.status >= 500) {
            failures.push(
              `${request.method} ${request.path.slice(0, 80)} ${String(request.body ?? '').slice(0, 200)} → ${response.status} ${text.slice(0, 200)}`,
            );
          } else if (text.length > 0 && /\bat .+:\d+:\d+/.test(text)) {
            failures.push(`${request.method} ${request.path.slice(0, 80)} leaked a stack trace`);
          }
        }),
      );
    }
    expect(failures).toEqual([]);
    expect(await backendSnapshot(backend.reader)).toBe(before);
    expect((await fetch(`${served.url}/health`)).status).toBe(200);
  });

  it('answers raw requests with header injection, bad request lines and chunked huge bodies with 4xx', async () => {
    const token = TOKENS.admin;
    const raw = [
      `GET /api/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nX-Evil: a\rb\r\n\r\n`,
      `GET /api/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer bad\r\n X-Folded: admin\r\n\r\n`,
      `GET /api/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\0\r\n\r\n`,
      `GET /api/../api/jobs/../../etc/passwd HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n\r\n`,
      `GET /api/jobs/..%2f..%2f HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n\r\n`,
      `GET /api/jobs/\u00e9 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n\r\n`,
      `GET /api/jobs HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      `POST /api/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 5\r\nContent-Length: 50\r\n\r\n{"a":1}`,
      `POST /api/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n`,
      `GARBAGE\r\n\r\n`,
      `GET /api/jobs HTTP/9.9\r\nHost: x\r\n\r\n`,
      `POST /api/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n` +
        `${(2 * 1024 * 1024).toString(16)}\r\n${'{'.padEnd(2 * 1024 * 1024, ' ')}\r\n0\r\n\r\n`,
    ];
    // Bodies over the 1 MiB limit: answered 413 before they are read, so the server may hang up
    // while the client still writes (fetch reports that as a socket error; the raw socket reads the answer).
    for (const size of [1024 * 1024 + 1, 1536 * 1024, 8 * 1024 * 1024]) {
      const body = JSON.stringify({ task: 'http.charge', payload: { pad: 'x'.repeat(size) } });
      raw.push(
        `POST /api/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    }
    const before = await backendSnapshot(backend.reader);
    for (const text of raw) {
      const status = await rawRequest(port, text);
      expect(status, JSON.stringify(text.slice(0, 100))).toBeGreaterThanOrEqual(400);
      expect(status, JSON.stringify(text.slice(0, 100))).toBeLessThan(500);
    }
    expect(await backendSnapshot(backend.reader)).toBe(before);
    expect((await fetch(`${served.url}/health`)).status).toBe(200);
  });
});
