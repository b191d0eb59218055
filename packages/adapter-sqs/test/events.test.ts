/**
 * The job-event bus: a Redis stream shared by processes (resumable positions, a gap when
 * a position is gone or the connection breaks, malformed entries skipped by core), and the
 * memory store's in-process bus with its ring buffer.
 */
import { memoryStore, redisStore } from '@switchyard/adapter-sqs';
import {
  type ClusterEvent,
  createSwitchyard,
  defineTask,
  type EventBus,
  type EventBusSubscription,
  InvalidOptionsError,
} from '@switchyard/core';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { eventConnectionName } from '../src/store/redis-store.js';
import { keyPrefixOf, REDIS_URL } from './conformance-adapter.js';
import { eventually, newPrefix, startedAdaptersClosedAfterEach } from './support.js';

/** What a subscription received, in order. */
function recorder() {
  const calls: Array<{ message: string; position?: string } | { gap: string }> = [];
  return {
    calls,
    handler: {
      message: (message: string, position?: string) =>
        calls.push(position === undefined ? { message } : { message, position }),
      gap: (reason: string) => calls.push({ gap: reason }),
    },
    messages: () => calls.flatMap((call) => ('message' in call ? [call.message] : [])),
    gaps: () => calls.flatMap((call) => ('gap' in call ? [call.gap] : [])),
  };
}

const subscriptions: EventBusSubscription[] = [];
afterEach(async () => {
  await Promise.all(subscriptions.splice(0).map((subscription) => subscription.close()));
});
async function subscribe(bus: EventBus, handler: ReturnType<typeof recorder>['handler'], from?: string) {
  const subscription = await bus.subscribe(handler, from === undefined ? {} : { from });
  subscriptions.push(subscription);
  return subscription;
}

describe('events on the redis store', () => {
  const adapterFor = startedAdaptersClosedAfterEach();

  /** Two adapters with a store each on one prefix: two processes. */
  async function twoProcesses(options: { eventLogLength?: number } = {}) {
    const prefix = newPrefix();
    const store = () => redisStore({ url: REDIS_URL, keyPrefix: keyPrefixOf(prefix), ...options });
    const publisher = await adapterFor(prefix, { store: store() });
    const listener = await adapterFor(prefix, { store: store() });
    return { prefix, publisher, listener };
  }

  it('delivers what another process publishes, in order, with resumable stream positions', async () => {
    const { publisher, listener } = await twoProcesses();
    expect(listener.events.hasSubscribers).toBeUndefined();
    const seen = recorder();
    await subscribe(listener.events, seen.handler);
    for (let n = 0; n < 5; n++) await publisher.events.publish(`m${n}`);
    await eventually(async () => (seen.messages().length === 5 ? true : undefined), 5_000, 'five messages');
    expect(seen.messages()).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    const positions = seen.calls.map((call) => ('position' in call ? call.position! : ''));
    expect(positions.every((position) => /^\d+-\d+$/.test(position))).toBe(true);

    // Resuming at a position replays from that message on, then goes on live.
    const resumed = recorder();
    await subscribe(listener.events, resumed.handler, positions[2]);
    await publisher.events.publish('m5');
    await eventually(async () => (resumed.messages().length === 4 ? true : undefined), 5_000, 'the replay');
    expect(resumed.calls).toEqual([
      { message: 'm2', position: positions[2] },
      { message: 'm3', position: positions[3] },
      { message: 'm4', position: positions[4] },
      { message: 'm5', position: expect.any(String) },
    ]);
  });

  it('a trimmed or foreign position reports a gap first, then the subscription is live', async () => {
    const { publisher, listener } = await twoProcesses({ eventLogLength: 100 });
    const first = recorder();
    await subscribe(listener.events, first.handler);
    await publisher.events.publish('oldest');
    await eventually(async () => (first.calls.length === 1 ? true : undefined), 5_000, 'the first message');
    const oldest = (first.calls[0] as { position: string }).position;
    // MAXLEN ~ 100 trims whole nodes of the stream: 1,000 more entries push the first one out.
    for (let n = 0; n < 10; n++) {
      await Promise.all(Array.from({ length: 100 }, (_, k) => publisher.events.publish(`filler ${n}.${k}`)));
    }
    for (const from of [oldest, 'not-a-position', '12']) {
      const late = recorder();
      await subscribe(listener.events, late.handler, from);
      expect(late.calls).toEqual([
        { gap: expect.stringMatching(/no longer in the event log|not a position/) },
      ]);
      await publisher.events.publish(`after ${from}`);
      await eventually(
        async () => (late.messages().length === 1 ? true : undefined),
        5_000,
        'the live message',
      );
      expect(late.messages()).toEqual([`after ${from}`]);
    }
  });

  it('a cut connection reports a gap, then resumes after the last message received', async () => {
    const { prefix, publisher, listener } = await twoProcesses();
    const seen = recorder();
    await subscribe(listener.events, seen.handler);
    await publisher.events.publish('before');
    await eventually(
      async () => (seen.messages().length === 1 ? true : undefined),
      5_000,
      'the first message',
    );
    const backdoor = new Redis(REDIS_URL);
    try {
      // Kill only this subscription's connection, found by the name the store gives it.
      const name = eventConnectionName(keyPrefixOf(prefix));
      const clients = (await backdoor.client('LIST')) as string;
      const ids = clients
        .split('\n')
        .filter((line) => line.includes(` name=${name} `))
        .map((line) => /id=(\d+)/.exec(line)![1]!);
      expect(ids).toHaveLength(1);
      expect(await backdoor.client('KILL', 'ID', ids[0]!)).toBe(1);
    } finally {
      backdoor.disconnect();
    }
    await publisher.events.publish('during');
    await eventually(
      async () => (seen.messages().length === 2 ? true : undefined),
      5_000,
      'the resumed message',
    );
    await publisher.events.publish('after');
    await eventually(async () => (seen.messages().length === 3 ? true : undefined), 5_000, 'a live message');
    expect(seen.calls.map((call) => ('gap' in call ? 'gap' : call.message))).toEqual([
      'before',
      'gap',
      'during',
      'after',
    ]);
    expect(seen.gaps()[0]).toMatch(/connection of the event stream broke/);
  });

  it('entries written straight into the stream that are not events are skipped by a yard', async () => {
    const prefix = newPrefix();
    const task = defineTask({ name: 'test-task', queue: 'work' });
    const store = () => redisStore({ url: REDIS_URL, keyPrefix: keyPrefixOf(prefix) });
    const producer = createSwitchyard({
      adapter: await adapterFor(prefix, { store: store() }),
      tasks: [task],
    });
    const observer = createSwitchyard({
      adapter: await adapterFor(prefix, { store: store() }),
      tasks: [task],
    });
    await Promise.all([producer.start(), observer.start()]);
    const events: ClusterEvent[] = [];
    const unsubscribe = await observer.subscribe((event) => events.push(event));
    const backdoor = new Redis(REDIS_URL);
    try {
      const key = `${keyPrefixOf(prefix)}:events`;
      await backdoor.xadd(key, '*', 'm', '{"v":1,"e":[{"type":"enqueued"}]}');
      await backdoor.xadd(key, '*', 'other', 'field');
      await backdoor.xadd(key, '*', 'm', '\u0000binary?');
    } finally {
      backdoor.disconnect();
    }
    const { id } = await producer.enqueue(task, { n: 1 });
    await eventually(async () => (events.length > 0 ? true : undefined), 5_000, 'the enqueued event');
    expect(events).toEqual([expect.objectContaining({ type: 'enqueued', jobId: id, state: 'pending' })]);
    await unsubscribe();
    await Promise.all([producer.close(), observer.close()]);
  });

  it('refuses an eventLogLength out of range', () => {
    for (const eventLogLength of [0, 99, 1.5, 2_000_000]) {
      expect(() => redisStore({ eventLogLength })).toThrow(InvalidOptionsError);
    }
  });
});

describe('events on the memory store', () => {
  it('is in-process: hasSubscribers follows subscriptions, so core builds no events for nobody', async () => {
    const bus = memoryStore().events;
    expect(bus.hasSubscribers?.()).toBe(false);
    const seen = recorder();
    const subscription = await bus.subscribe(seen.handler);
    expect(bus.hasSubscribers?.()).toBe(true);
    await bus.publish('one');
    expect(seen.calls).toEqual([{ message: 'one', position: '1' }]);
    await subscription.close();
    expect(bus.hasSubscribers?.()).toBe(false);
  });

  it('resumes from a position still in the ring buffer, else reports a gap and goes on live', async () => {
    const bus = memoryStore({ eventBufferSize: 3 }).events;
    for (const message of ['a', 'b', 'c', 'd', 'e']) await bus.publish(message);
    const replay = recorder();
    await subscribe(bus, replay.handler, '4');
    expect(replay.calls).toEqual([
      { message: 'd', position: '4' },
      { message: 'e', position: '5' },
    ]);
    for (const from of ['2', 'x', '99']) {
      const late = recorder();
      await subscribe(bus, late.handler, from);
      expect(late.gaps()).toHaveLength(1);
      expect(late.messages()).toEqual([]);
    }
    await bus.publish('f');
    expect(replay.messages()).toEqual(['d', 'e', 'f']);
  });

  it('refuses an eventBufferSize out of range', () => {
    for (const eventBufferSize of [0, -1, 2.5, 100_001]) {
      expect(() => memoryStore({ eventBufferSize })).toThrow(InvalidOptionsError);
    }
  });
});
