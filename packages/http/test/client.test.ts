/**
 * The typed client against a real server: every method, problems mapped to `ApiError`,
 * and `events()` reconnecting with Last-Event-ID after the server ends the stream.
 * Also the SSE reader on streams cut at awkward places.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, createClient } from '../src/client.js';
import { readSse } from '../src/client-sse.js';
import type { ServedApi } from '../src/index.js';
import { type Backend, openBackend } from './support/backends.js';
import { countingSubscriptions } from './support/counting.js';
import { serveForTest, TOKENS } from './support/http.js';
import { chargeTask } from './support/tasks.js';
import { waitUntil } from './support/wait.js';

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected an ApiError');
}

describe('client', () => {
  let backend: Backend;
  let served: ServedApi;
  let counted: ReturnType<typeof countingSubscriptions>;
  beforeAll(async () => {
    backend = await openBackend('memory');
    counted = countingSubscriptions(backend.yard);
    served = await serveForTest(counted.yard, { basePath: '/api', heartbeatMs: 50 });
  });
  afterAll(async () => {
    await served?.close();
    await backend?.close();
  });
  const as = (role: keyof typeof TOKENS) => createClient({ baseUrl: `${served.url}/`, token: TOKENS[role] });

  it('mirrors the job routes', async () => {
    const admin = as('admin');
    expect(await admin.health()).toEqual({ status: 'ok' });
    const { id } = await as('operator').jobs.enqueue(
      'http.charge',
      { orderId: 1 },
      {
        runAt: new Date(Date.now() + 3_600_000),
        metadata: { tenant: 'acme' },
      },
    );
    expect((await admin.jobs.get(id))?.state).toBe('scheduled');
    expect(await admin.jobs.get('01970a4e-7c1b-7d2e-8f00-1a2b3c4d5e6f')).toBeNull();
    const page = await admin.jobs.list({ state: ['scheduled'], metadata: { tenant: 'acme' }, limit: 10 });
    expect(page.jobs.map((job) => job.id)).toContain(id);
    expect(await admin.jobs.cancel(id)).toEqual({ id, outcome: 'cancelled' });
    expect((await admin.jobs.retry(id)).state).toBe('pending');
    await admin.jobs.remove(id);
    expect(await backend.reader.jobs.get(id)).toBeNull();
    const { id: other } = await admin.jobs.enqueue('http.mail', { to: 'x@example.com' }, { delay: '1h' });
    expect(
      await admin.jobs.bulk({ action: 'cancel', filter: { queue: 'mail', createdAfter: new Date(0) } }),
    ).toMatchObject({
      changed: 1,
    });
    expect((await admin.jobs.clean({ state: 'cancelled', olderThan: 0, queue: 'mail' })).changed).toBe(1);
    expect(await backend.reader.jobs.get(other)).toBeNull();
  });

  it('mirrors the operations routes', async () => {
    const admin = as('admin');
    expect((await admin.stats.summary()).totals.counts).toHaveProperty('pending');
    expect((await admin.stats.history({ bucket: '1h' })).points.length).toBe(25);
    expect(Array.isArray(await admin.workers.list())).toBe(true);
    expect((await admin.tasks.list()).map((task) => task.name)).toEqual(['http.charge', 'http.mail']);
    expect(await admin.queues.pause('billing')).toEqual({ name: 'billing', paused: true });
    expect((await admin.queues.list()).find((queue) => queue.name === 'billing')?.paused).toBe(true);
    await admin.queues.resume('billing');
    await backend.yard.schedules.upsert({
      key: 'client-s',
      task: chargeTask,
      every: '1h',
      payload: { orderId: 2 },
    });
    expect((await admin.schedules.list()).map((schedule) => schedule.key)).toContain('client-s');
    expect(await admin.schedules.pause('client-s')).toEqual({ key: 'client-s', paused: true });
    expect(await admin.schedules.resume('client-s')).toEqual({ key: 'client-s', paused: false });
    const { id } = await admin.schedules.trigger('client-s');
    expect((await backend.reader.jobs.get(id))?.metadata.scheduleKey).toBe('client-s');
    await admin.schedules.remove('client-s');
    expect(await backend.reader.schedules.get('client-s')).toBeNull();
    expect((await admin.openapi()).openapi).toBe('3.1.0');
  });

  it('maps problems to ApiError with status, code, detail and extras', async () => {
    const operator = as('operator');
    const { id } = await operator.jobs.enqueue(
      'http.charge',
      { orderId: 3 },
      { uniqueKey: 'client-unique', delay: '1h' },
    );
    const duplicate = await rejection(
      operator.jobs.enqueue('http.charge', { orderId: 3 }, { uniqueKey: 'client-unique' }),
    );
    expect(duplicate).toMatchObject({ status: 409, code: 'DUPLICATE_JOB', existingJobId: id });
    const invalid = await rejection(operator.jobs.enqueue('http.charge', { orderId: 'x' }));
    expect(invalid).toMatchObject({ status: 422, code: 'VALIDATION_FAILED' });
    expect(invalid.issues?.[0]?.path).toBe('orderId');
    expect(await rejection(as('viewer').jobs.remove(id))).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    const anonymous = createClient({ baseUrl: served.url });
    expect(await rejection(anonymous.jobs.list())).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(await rejection(as('admin').jobs.list({ limit: 5000 }))).toMatchObject({
      status: 400,
      code: 'INVALID_REQUEST',
    });
    const limited = await serveForTest(backend.yard, { rateLimit: { read: { points: 1, duration: 60 } } });
    try {
      const client = createClient({ baseUrl: limited.url, token: TOKENS.viewer });
      await client.jobs.list();
      const error = await rejection(client.jobs.list());
      expect(error).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
      expect(error.retryAfter).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
    expect(() => createClient({ baseUrl: '' })).toThrow(TypeError);
  });

  it('events() reconnects with Last-Event-ID after the server ends the stream', async () => {
    const keepalive = await backend.yard.subscribe(() => {});
    const controller = new AbortController();
    const received: string[] = [];
    const iterator = as('viewer')
      .events({ queues: ['billing'], signal: controller.signal })
      [Symbol.asyncIterator]();
    const firstEvent = iterator.next();
    await waitUntil(
      async () => counted.active(),
      (count) => count === 1,
      'the stream to subscribe',
    );
    const first = await backend.yard.enqueue(chargeTask, { orderId: 10 }, { delay: '1h' });
    const firstValue = (await firstEvent).value as { jobId: string };
    received.push(firstValue.jobId);
    await served.api.close(); // ends the stream; the client waits `retry` ms and reconnects
    await waitUntil(
      async () => counted.active(),
      (count) => count === 0,
      'the stream to end',
    );
    const second = await backend.yard.enqueue(chargeTask, { orderId: 11 }, { delay: '1h' });
    received.push(((await iterator.next()).value as { jobId: string }).jobId);
    controller.abort();
    await iterator.return?.(undefined);
    await keepalive();
    expect(received).toEqual([first.id, second.id]);
  });
});

describe('SSE reader', () => {
  const stream = (chunks: string[]) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
        controller.close();
      },
    });

  it('parses events split at any byte, with CRLF, comments, multi-line data, ids and retry', async () => {
    const text =
      'retry: 1500\r\n: hello\r\n\r\nevent: started\r\nid: 7.0\r\ndata: {"a":\r\ndata: 1}\r\n\r\ndata: plain\n\nid: 8.1\ndata:x\n\n';
    for (const size of [1, 2, 3, 7, text.length]) {
      const chunks = [];
      for (let index = 0; index < text.length; index += size) chunks.push(text.slice(index, index + size));
      const retries: number[] = [];
      const messages = [];
      for await (const message of readSse(stream(chunks), (ms) => retries.push(ms))) messages.push(message);
      expect(retries).toEqual([1500]);
      expect(messages).toEqual([
        { event: 'started', data: '{"a":\n1}', lastEventId: '7.0' },
        { event: 'message', data: 'plain', lastEventId: '7.0' },
        { event: 'message', data: 'x', lastEventId: '8.1' },
      ]);
    }
  });
});
