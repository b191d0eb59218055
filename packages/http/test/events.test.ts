/**
 * `GET /events` in one process (memory backend): order of a job's events, queue filters,
 * resumption with Last-Event-ID, `gap` events, heartbeat comments, and the subscription
 * ending when the client hangs up or the API closes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClusterEventJson, createClient } from '../src/client.js';
import type { ServedApi } from '../src/index.js';
import { type Backend, openBackend } from './support/backends.js';
import { countingSubscriptions } from './support/counting.js';
import { serveForTest, TOKENS } from './support/http.js';
import { chargeTask, mailTask } from './support/tasks.js';
import { waitUntil } from './support/wait.js';

/** Collects events until `until` is satisfied (or the stream ends). */
async function collect(
  events: AsyncIterable<ClusterEventJson>,
  until: (seen: ClusterEventJson[]) => boolean,
): Promise<ClusterEventJson[]> {
  const seen: ClusterEventJson[] = [];
  for await (const event of events) {
    seen.push(event);
    if (until(seen)) break;
  }
  return seen;
}

describe('GET /events (memory backend)', () => {
  let backend: Backend;
  let served: ServedApi;
  let counted: ReturnType<typeof countingSubscriptions>;
  let client: ReturnType<typeof createClient>;
  beforeAll(async () => {
    backend = await openBackend('memory');
    counted = countingSubscriptions(backend.yard);
    served = await serveForTest(counted.yard, { basePath: '/api', heartbeatMs: 40 });
    client = createClient({ baseUrl: served.url, token: TOKENS.viewer });
  });
  afterAll(async () => {
    await served?.close();
    await backend?.close();
  });

  it("streams one job's events in order, filtered by queue", async () => {
    const controller = new AbortController();
    const stream = client
      .events({ queues: ['billing'], signal: controller.signal, reconnect: false })
      [Symbol.asyncIterator]();
    const first = stream.next();
    await waitUntil(
      async () => counted.active(),
      (count) => count === 1,
      'the stream to subscribe',
    );
    await backend.yard.enqueue(mailTask, { to: 'a@example.com' });
    const worker = backend.yard.createWorker({ queues: ['billing', 'mail'], scheduler: false });
    worker.handle(chargeTask, async (_payload, ctx) => {
      await ctx.progress(50);
      return { charged: true };
    });
    worker.handle(mailTask, async () => ({ sent: true }));
    await worker.start();
    const { id } = await backend.yard.enqueue(chargeTask, { orderId: 1 });
    const seen: ClusterEventJson[] = [(await first).value];
    while (!seen.some((event) => event.type === 'completed')) seen.push((await stream.next()).value);
    controller.abort();
    await worker.stop();
    await waitUntil(
      async () => counted.active(),
      (count) => count === 0,
      'the stream to end after abort',
    );
    expect(seen.every((event) => event.type !== 'gap' && event.queue === 'billing')).toBe(true);
    const types = seen
      .filter((event) => event.type !== 'gap' && event.jobId === id)
      .map((event) => event.type);
    expect(types).toEqual(['enqueued', 'started', 'progress', 'completed']);
    const completed = seen.at(-1)!;
    expect(completed).toMatchObject({ jobId: id, state: 'completed', task: 'http.charge' });
    expect(typeof (completed as { at: string }).at).toBe('string');
  });

  it('resumes after Last-Event-ID with the events it missed', async () => {
    // The in-process bus publishes only while someone listens: a second listener stands for the
    // other dashboards that keep the log filling while this client is away.
    const keepalive = await backend.yard.subscribe(() => {});
    const firstRun = new AbortController();
    const { id: before } = await (async () => {
      const events = client.events({ queues: ['mail'], signal: firstRun.signal, reconnect: false });
      const pending = collect(events, (seen) => seen.length === 1);
      await waitUntil(
        async () => counted.active(),
        (count) => count === 1,
        'the stream to subscribe',
      );
      const created = await backend.yard.enqueue(mailTask, { to: 'before@example.com' });
      const [event] = await pending;
      expect(event).toMatchObject({ type: 'enqueued', jobId: created.id });
      firstRun.abort();
      return { id: (event as { id: string }).id };
    })();
    await waitUntil(
      async () => counted.active(),
      (count) => count === 0,
      'the first stream to end',
    );
    const { id: missed } = await backend.yard.enqueue(mailTask, { to: 'missed@example.com' });
    const resumed = new AbortController();
    const events = await collect(
      client.events({ queues: ['mail'], after: before, signal: resumed.signal, reconnect: false }),
      (seen) => seen.length === 1,
    );
    resumed.abort();
    await keepalive();
    expect(events[0]).toMatchObject({ type: 'enqueued', jobId: missed });
  });

  it('starts with a gap event when it cannot resume', async () => {
    for (const after of ['n7.3', '999999.0']) {
      const controller = new AbortController();
      const [event] = await collect(
        client.events({ after, signal: controller.signal, reconnect: false }),
        (seen) => seen.length === 1,
      );
      controller.abort();
      expect(event).toMatchObject({ type: 'gap' });
      expect(typeof (event as { reason: string }).reason).toBe('string');
    }
  });

  it('sends heartbeat comments, and unsubscribes when the client hangs up', async () => {
    const controller = new AbortController();
    const response = await fetch(`${served.url}/events`, {
      headers: { authorization: `Bearer ${TOKENS.viewer}` },
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while ((text.match(/: ping\n\n/g) ?? []).length < 2) text += (await reader.read()).value;
    expect(text.startsWith('retry: 2000\n')).toBe(true);
    expect(counted.active()).toBe(1);
    controller.abort();
    await waitUntil(
      async () => counted.active(),
      (count) => count === 0,
      'the subscription to end',
    );
  });

  it('refuses a malformed Last-Event-ID with 400', async () => {
    const response = await fetch(`${served.url}/events`, {
      headers: { authorization: `Bearer ${TOKENS.viewer}`, 'last-event-id': 'two words' },
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { code: string }).code).toBe('INVALID_REQUEST');
  });

  it('api.close() ends open streams', async () => {
    const events = client.events({ reconnect: false });
    const ended = collect(events, () => false);
    await waitUntil(
      async () => counted.active(),
      (count) => count === 1,
      'the stream to subscribe',
    );
    await served.api.close();
    expect(await ended).toEqual([]);
    await waitUntil(
      async () => counted.active(),
      (count) => count === 0,
      'the subscription to end',
    );
  });
});
