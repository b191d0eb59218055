/**
 * The job event stream on real Redis: two adapters on one prefix (two processes), resuming
 * from a position, trimming, a gap after the subscriber's own connection is killed, and
 * malformed entries written straight into the stream (core skips them, seen through a yard).
 */
import {
  type ClusterEvent,
  createSwitchyard,
  defineTask,
  type EventBusHandler,
  type Logger,
  silentLogger,
} from '@switchyard/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { eventually, type Harness, startHarness } from './harness.js';
import { requireRedis } from './redis-required.js';

beforeAll(requireRedis);

let h: Harness | undefined;
afterEach(async () => {
  const current = h;
  h = undefined;
  await current?.close();
});

/** A handler recording what the bus delivers. */
function recorder() {
  const messages: Array<{ message: string; position?: string }> = [];
  const gaps: string[] = [];
  const handler: EventBusHandler = {
    message: (message, position) =>
      messages.push(position === undefined ? { message } : { message, position }),
    gap: (reason) => gaps.push(reason),
  };
  return { messages, gaps, handler };
}

/** Ids of this prefix's event stream connections (by the name the adapter gives them). */
async function eventConnections(harness: Harness): Promise<string[]> {
  const list = (await harness.raw.client('LIST')) as string;
  return list
    .split('\n')
    .filter((line) => line.includes(` name=sy-events:${harness.prefix} `))
    .map((line) => /\bid=(\d+)/.exec(line)?.[1] as string);
}

describe('bullmq event stream', () => {
  it('delivers what one process publishes to another, in order, with stream positions', async () => {
    h = await startHarness();
    const other = await h.second();
    const { messages, gaps, handler } = recorder();
    const subscription = await other.events.subscribe(handler);
    for (let index = 0; index < 20; index++) await h.adapter.events.publish(`m${index}`);
    await eventually(() => messages.length === 20, '20 messages');
    expect(messages.map((entry) => entry.message)).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
    const stored = (await h.raw.xrange(`${h.prefix}::sy:events`, '-', '+')).map(([id]) => id);
    expect(messages.map((entry) => entry.position)).toEqual(stored);
    expect(gaps).toEqual([]);
    await subscription.close();
    expect(await eventConnections(h)).toEqual([]);
  });

  it('sees nothing published before it subscribed', async () => {
    h = await startHarness();
    await h.adapter.events.publish('before');
    const { messages, handler } = recorder();
    const subscription = await h.adapter.events.subscribe(handler);
    await h.adapter.events.publish('after');
    await eventually(() => messages.length === 1, 'one message');
    expect(messages[0]?.message).toBe('after');
    await subscription.close();
  });

  it('resumes from a position, that message included, then goes on live', async () => {
    h = await startHarness();
    for (let index = 0; index < 5; index++) await h.adapter.events.publish(`m${index}`);
    const positions = (await h.raw.xrange(`${h.prefix}::sy:events`, '-', '+')).map(([id]) => id);
    const { messages, gaps, handler } = recorder();
    const subscription = await h.adapter.events.subscribe(handler, { from: positions[2] as string });
    await h.adapter.events.publish('m5');
    await eventually(() => messages.length === 4, 'four messages');
    expect(messages.map((entry) => entry.message)).toEqual(['m2', 'm3', 'm4', 'm5']);
    expect(gaps).toEqual([]);
    await subscription.close();
  });

  it('reports a gap for a position the stream no longer holds, or that is not a position', async () => {
    h = await startHarness();
    await h.adapter.events.publish('old');
    const [[old]] = (await h.raw.xrange(`${h.prefix}::sy:events`, '-', '+')) as [[string, string[]]];
    await h.raw.xtrim(`${h.prefix}::sy:events`, 'MAXLEN', 0);
    for (const from of [old, 'not-a-position']) {
      const { messages, gaps, handler } = recorder();
      const subscription = await h.adapter.events.subscribe(handler, { from });
      await eventually(() => gaps.length === 1, 'a gap');
      await h.adapter.events.publish(`live after ${from}`);
      await eventually(() => messages.length === 1, 'the live message');
      expect(messages[0]?.message).toBe(`live after ${from}`);
      await subscription.close();
    }
  });

  it('trims the stream to about eventLogLength messages', async () => {
    h = await startHarness({ eventLogLength: 10 });
    for (let index = 0; index < 600; index++) await h.adapter.events.publish(`m${index}`);
    // MAXLEN ~ trims whole stream nodes (100 entries each by default).
    expect(await h.raw.xlen(`${h.prefix}::sy:events`)).toBeLessThanOrEqual(200);
  });

  it('reports a gap after its connection is killed, then delivers from where it stopped', async () => {
    h = await startHarness();
    const { messages, gaps, handler } = recorder();
    const subscription = await h.adapter.events.subscribe(handler);
    await h.adapter.events.publish('first');
    await eventually(() => messages.length === 1, 'the first message');
    const [connection] = await eventConnections(h);
    expect(connection).toBeDefined();
    await h.raw.client('KILL', 'ID', connection as string);
    await h.adapter.events.publish('while reconnecting');
    await eventually(() => gaps.length === 1, 'a gap');
    await h.adapter.events.publish('after');
    await eventually(() => messages.length === 3, 'three messages');
    expect(messages.map((entry) => entry.message)).toEqual(['first', 'while reconnecting', 'after']);
    await subscription.close();
  });

  it('through a yard: malformed stream entries are skipped and logged, job events still arrive', async () => {
    h = await startHarness();
    const warnings: unknown[] = [];
    const logger: Logger = { ...silentLogger, warn: (...args: unknown[]) => warnings.push(args) };
    const task = defineTask({ name: 'noop', schema: z.object({}) });
    const producer = createSwitchyard({ adapter: await h.second(), tasks: [task] });
    const watcher = createSwitchyard({ adapter: h.adapter, tasks: [task], logger });
    await producer.start();
    await watcher.start();
    const events: ClusterEvent[] = [];
    const unsubscribe = await watcher.subscribe((event) => events.push(event));
    const stream = `${h.prefix}::sy:events`;
    await h.raw.xadd(stream, '*', 'm', 'not json');
    await h.raw.xadd(stream, '*', 'other', 'field');
    await h.raw.xadd(stream, '*', 'm', JSON.stringify({ v: 1, e: [{ type: 'nonsense' }] }));
    const { id } = await producer.enqueue(task, {});
    await eventually(() => events.find((event) => event.type === 'enqueued'), 'the enqueued event');
    expect(events).toEqual([expect.objectContaining({ type: 'enqueued', jobId: id, queue: 'default' })]);
    expect(warnings.length).toBeGreaterThanOrEqual(3);
    await unsubscribe();
    await producer.close();
    await watcher.close();
  });
});
