/**
 * The NOTIFY event bus between two adapters ("processes") on one schema: order, size limit,
 * `from` (not resumable: a gap), a gap after the subscriber's own connection is cut, and
 * malformed messages written straight into the channel, which a yard skips.
 */
import { eventsChannelFor } from '@switchyard/adapter-pgboss';
import {
  type ClusterEvent,
  createSwitchyard,
  defineTask,
  type EventBusHandler,
  type QueueAdapterV2,
  silentLogger,
} from '@switchyard/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertDatabaseReachable } from './database-url.js';
import { PgTestScope, waitFor } from './helpers.js';

let scope: PgTestScope;
beforeAll(assertDatabaseReachable);
afterEach(async (context) => {
  await scope.dispose(context.task.result?.state !== 'fail');
});

/** A handler that records what the bus calls, in order. */
function recorder() {
  const calls: Array<{ message?: string; gap?: string }> = [];
  const handler: EventBusHandler = {
    message: (message) => void calls.push({ message }),
    gap: (reason) => void calls.push({ gap: reason }),
  };
  return { calls, handler, messages: () => calls.flatMap((call) => (call.message ? [call.message] : [])) };
}

/** An adapter whose connections carry a name unique to this test, so the test can cut only them. */
async function namedAdapter(role: string): Promise<{ adapter: QueueAdapterV2; applicationName: string }> {
  const applicationName = `${scope.schema}-${role}`;
  return { adapter: await scope.adapter({ applicationName }), applicationName };
}

describe('events over LISTEN/NOTIFY', () => {
  it('a subscriber in another process receives every message, in publish order', async () => {
    scope = new PgTestScope();
    const publisher = await scope.adapter();
    const subscriber = await scope.adapter();
    const received = recorder();
    const subscription = await subscriber.events.subscribe(received.handler);
    const sent = Array.from({ length: 50 }, (_, n) => `message ${n}`);
    for (const message of sent) await publisher.events.publish(message);
    await waitFor(() => received.messages().length === sent.length, 5000, 'every message');
    expect(received.calls).toEqual(sent.map((message) => ({ message })));
    await subscription.close();
    await publisher.events.publish('after close');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received.messages()).not.toContain('after close');
  });

  it('carries a message of maxMessageBytes (multi-byte text) and refuses a longer one with a typed error', async () => {
    scope = new PgTestScope();
    const adapter = await scope.adapter();
    expect(adapter.events.maxMessageBytes).toBe(7900);
    const received = recorder();
    const subscription = await adapter.events.subscribe(received.handler);
    const largest = 'é'.repeat(3950); // 7,900 bytes in UTF-8
    expect(Buffer.byteLength(largest)).toBe(adapter.events.maxMessageBytes);
    await adapter.events.publish(largest);
    await waitFor(() => received.messages().length === 1, 5000, 'the large message');
    expect(received.messages()[0]).toBe(largest);
    await expect(adapter.events.publish('x'.repeat(8000))).rejects.toMatchObject({ code: 'ADAPTER_ERROR' });
    await subscription.close();
  });

  it('`from` cannot be honoured (NOTIFY keeps no log): gap first, then live', async () => {
    scope = new PgTestScope();
    const adapter = await scope.adapter();
    await adapter.events.publish('before');
    const received = recorder();
    const subscription = await adapter.events.subscribe(received.handler, { from: 'some-position' });
    await adapter.events.publish('after');
    await waitFor(() => received.messages().length === 1, 5000, 'the live message');
    expect(received.calls).toEqual([
      { gap: expect.stringContaining('cannot resume at position "some-position"') },
      { message: 'after' },
    ]);
    await subscription.close();
  });

  it("a gap after the subscriber's connection is cut, then messages flow again", async () => {
    scope = new PgTestScope();
    const publisher = await scope.adapter();
    const { adapter: subscriber, applicationName } = await namedAdapter('sub');
    const received = recorder();
    const subscription = await subscriber.events.subscribe(received.handler);
    await publisher.events.publish('one');
    await waitFor(() => received.messages().length === 1, 5000, 'the first message');

    const { rows } = await scope.raw.query(
      `SELECT pg_terminate_backend(pid) AS cut FROM pg_stat_activity WHERE application_name = $1`,
      [`${applicationName}-events`],
    );
    expect(rows).toEqual([{ cut: true }]);
    await waitFor(() => received.calls.some((call) => call.gap), 5000, 'the gap');
    await publisher.events.publish('two');
    await waitFor(() => received.messages().includes('two'), 5000, 'a message after the reconnect');
    expect(received.calls).toEqual([
      { message: 'one' },
      { gap: expect.stringContaining('lost and re-established') },
      { message: 'two' },
    ]);
    await subscription.close();
  });

  it('close() of the adapter ends its subscriptions', async () => {
    scope = new PgTestScope();
    const { adapter, applicationName } = await namedAdapter('closing');
    await adapter.events.subscribe(recorder().handler);
    const count = async () =>
      (
        await scope.raw.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1`, [
          `${applicationName}-events`,
        ])
      ).rows[0].n;
    expect(await count()).toBe(1);
    await adapter.close();
    await waitFor(async () => (await count()) === 0, 5000, 'the event connection to end');
  });

  it('a yard skips malformed messages written straight into the channel and goes on', async () => {
    scope = new PgTestScope();
    const task = defineTask({ name: 'noop', handler: async () => 'ok' });
    const producer = createSwitchyard({ adapter: await scope.adapter(), tasks: [task] });
    const warnings: string[] = [];
    const logger = {
      ...silentLogger,
      warn: (_obj: object, message?: string) => void warnings.push(message ?? ''),
    };
    const watcher = createSwitchyard({ adapter: await scope.adapter(), tasks: [task], logger });
    await producer.start();
    await watcher.start();
    const events: ClusterEvent[] = [];
    const unsubscribe = await watcher.subscribe((event) => events.push(event));

    const channel = eventsChannelFor(scope.schema);
    for (const garbage of ['not json', '{"v":99}', '[1,2', '', '{"events":[{"type":"exploded"}]}']) {
      await scope.raw.query('SELECT pg_notify($1, $2)', [channel, garbage]);
    }
    const { id } = await producer.enqueue(task, {});
    await waitFor(() => events.some((event) => event.type === 'enqueued'), 5000, 'the enqueued event');
    expect(events).toEqual([
      expect.objectContaining({ type: 'enqueued', jobId: id, queue: 'default', task: 'noop' }),
    ]);
    // Each garbage message reached core through the channel and was judged malformed there.
    expect(warnings.filter((warning) => warning.includes('malformed'))).toHaveLength(5);
    await unsubscribe();
    await watcher.close();
    await producer.close();
  });
});
