import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { EventPublisher } from '../src/event-publisher.js';
import type { JobRecord } from '../src/job.js';
import { decodeEventMessage } from '../src/job-events.js';
import type { EventBus } from '../src/operations-contract.js';
import { logger } from './logger-spy.js';

/** A bus that keeps what is published (the transport is the adapters' to test). */
function recordingBus(): EventBus & { messages: string[] } {
  const messages: string[] = [];
  return {
    messages,
    maxMessageBytes: 64 * 1024,
    publish: async (message) => {
      messages.push(message);
    },
    subscribe: async () => ({ close: async () => {} }),
  };
}

function job(id: string): JobRecord {
  const at = new Date(1000);
  return {
    id,
    task: 'send-email',
    queue: 'emails',
    payload: {},
    state: 'pending',
    priority: 5,
    attempt: 0,
    maxAttempts: 3,
    createdAt: at,
    runAt: at,
    metadata: {},
  } as JobRecord;
}

/** One turn of the event loop (setImmediate is left real below). */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('EventPublisher', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes nothing in the turn of the event; what a millisecond gathers goes out as one message', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const bus = recordingBus();
    const publisher = new EventPublisher(bus, new ManualClock(5000), logger());
    publisher.enqueued(job('a'));
    await nextTurn();
    await nextTurn();
    // A worker of this process woken by the same enqueue reads its reply before any publish is written.
    expect(bus.messages).toEqual([]);
    publisher.enqueued(job('b'));
    await vi.advanceTimersByTimeAsync(1);
    expect(bus.messages).toHaveLength(1);
    expect(decodeEventMessage(bus.messages[0]!).events.map((event) => event.jobId)).toEqual(['a', 'b']);
  });

  it('flush publishes at once, without waiting for the millisecond', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const bus = recordingBus();
    const publisher = new EventPublisher(bus, new ManualClock(5000), logger());
    publisher.enqueued(job('a'));
    await publisher.flush();
    expect(bus.messages).toHaveLength(1);
    // The timer left behind finds nothing to publish.
    await vi.advanceTimersByTimeAsync(1);
    expect(bus.messages).toHaveLength(1);
  });
});
