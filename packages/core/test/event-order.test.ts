import { describe, expect, it } from 'vitest';
import { CausalOrder, eventNeeds, eventRank } from '../src/event-order.js';
import type { JobEventType, WireJobEvent } from '../src/job-events.js';

const SUBSCRIBED = 1_000_000;

/** A wire event as a publisher would build it. */
function wire(
  type: JobEventType,
  attempt: number,
  options: {
    jobId?: string;
    running?: boolean;
    redelivered?: boolean;
    retry?: boolean;
    createdAt?: number;
  } = {},
): WireJobEvent {
  const needs = eventNeeds(type, attempt, options);
  return {
    type,
    rank: eventRank(type, attempt, options),
    ...(needs !== undefined ? { needs } : {}),
    ...(options.retry ? { retry: true } : {}),
    jobId: options.jobId ?? 'job-1',
    queue: 'q',
    task: 't',
    state: 'running',
    attempt,
    at: SUBSCRIBED,
    createdAt: options.createdAt ?? SUBSCRIBED + 10,
  };
}

function harness(windowMs = 100) {
  const delivered: string[] = [];
  let id = 0;
  const order = new CausalOrder({
    windowMs,
    subscribedAt: SUBSCRIBED,
    deliver: ({ wire: event }) => delivered.push(`${event.type}:${event.attempt}`),
  });
  return {
    delivered,
    order,
    push: (event: WireJobEvent, now = SUBSCRIBED) => order.push({ wire: event, id: String(++id) }, now),
  };
}

describe('eventRank and eventNeeds', () => {
  it.each([
    ['enqueued', 0, {}, 0, undefined],
    ['enqueued', 3, {}, 0, undefined],
    ['stalled', 2, {}, 20, undefined],
    ['started', 1, {}, 11, 0],
    ['started', 2, {}, 21, 13],
    ['started', 2, { redelivered: true }, 21, undefined],
    ['progress', 1, {}, 12, undefined],
    ['completed', 1, {}, 13, undefined],
    ['retrying', 2, {}, 23, undefined],
    ['failed', 3, {}, 33, undefined],
    ['cancelled', 1, { running: true }, 13, undefined],
    ['cancelled', 0, {}, 4, 0],
    ['cancelled', 2, {}, 24, 23],
  ] as const)('%s attempt %i %o: rank %i, needs %s', (type, attempt, options, rank, needs) => {
    expect(eventRank(type, attempt, options as { running?: boolean })).toBe(rank);
    expect(eventNeeds(type, attempt, options)).toBe(needs);
  });
});

describe('CausalOrder', () => {
  it('delivers events that arrive in order at once', () => {
    const h = harness();
    for (const event of [
      wire('enqueued', 0),
      wire('started', 1),
      wire('progress', 1),
      wire('completed', 1),
    ]) {
      h.push(event);
    }
    expect(h.delivered).toEqual(['enqueued:0', 'started:1', 'progress:1', 'completed:1']);
    expect(h.order.nextDeadline()).toBeUndefined();
  });

  it('holds a started that overtook its enqueued, and everything behind it, until the enqueued arrives', () => {
    const h = harness();
    h.push(wire('started', 1));
    h.push(wire('progress', 1));
    h.push(wire('completed', 1));
    expect(h.delivered).toEqual([]);
    expect(h.order.nextDeadline()).toBe(SUBSCRIBED + 100);
    h.push(wire('enqueued', 0));
    expect(h.delivered).toEqual(['enqueued:0', 'started:1', 'progress:1', 'completed:1']);
    expect(h.order.nextDeadline()).toBeUndefined();
  });

  it('gives up waiting after the window and drops the late predecessor as stale', () => {
    const h = harness();
    h.push(wire('started', 1));
    h.order.expire(SUBSCRIBED + 99);
    expect(h.delivered).toEqual([]);
    h.order.expire(SUBSCRIBED + 100);
    expect(h.delivered).toEqual(['started:1']);
    h.push(wire('enqueued', 0), SUBSCRIBED + 150);
    expect(h.delivered).toEqual(['started:1']);
    expect(h.order.stale).toBe(1);
  });

  it('does not hold events of a job created before the subscription (its enqueued was before it)', () => {
    const h = harness();
    h.push(wire('started', 1, { createdAt: SUBSCRIBED - 5000 }));
    expect(h.delivered).toEqual(['started:1']);
  });

  it('waits for the retrying of the previous attempt before the next start', () => {
    const h = harness();
    h.push(wire('enqueued', 0));
    h.push(wire('started', 1));
    h.push(wire('started', 2));
    expect(h.delivered).toEqual(['enqueued:0', 'started:1']);
    h.push(wire('retrying', 1));
    expect(h.delivered).toEqual(['enqueued:0', 'started:1', 'retrying:1', 'started:2']);
  });

  it('a redelivered start follows its stalled event without waiting', () => {
    const h = harness();
    h.push(wire('enqueued', 0));
    h.push(wire('started', 1));
    h.push(wire('stalled', 2));
    h.push(wire('started', 2, { redelivered: true }));
    expect(h.delivered).toEqual(['enqueued:0', 'started:1', 'stalled:2', 'started:2']);
  });

  it('a cancel of a waiting job waits for its enqueued', () => {
    const h = harness();
    h.push(wire('cancelled', 0));
    h.push(wire('enqueued', 0));
    expect(h.delivered).toEqual(['enqueued:0', 'cancelled:0']);
  });

  it('a manual retry starts a new history; its runs wait for it when they overtake it', () => {
    const h = harness();
    h.push(wire('enqueued', 0));
    h.push(wire('started', 1));
    h.push(wire('failed', 1));
    // The second run was published before the retry's enqueued.
    h.push(wire('started', 1));
    h.push(wire('completed', 1));
    expect(h.delivered).toEqual(['enqueued:0', 'started:1', 'failed:1']);
    h.push(wire('enqueued', 0, { retry: true }));
    expect(h.delivered).toEqual([
      'enqueued:0',
      'started:1',
      'failed:1',
      'enqueued:0',
      'started:1',
      'completed:1',
    ]);
  });

  it('a manual retry that arrives before the terminal event of the last run waits for it', () => {
    const h = harness();
    h.push(wire('enqueued', 0));
    h.push(wire('started', 1));
    h.push(wire('enqueued', 0, { retry: true }));
    expect(h.delivered).toEqual(['enqueued:0', 'started:1']);
    h.push(wire('failed', 1));
    expect(h.delivered).toEqual(['enqueued:0', 'started:1', 'failed:1', 'enqueued:0']);
  });

  it('keeps jobs independent: a held job does not hold another', () => {
    const h = harness();
    h.push(wire('started', 1, { jobId: 'a' }));
    h.push(wire('enqueued', 0, { jobId: 'b' }));
    h.push(wire('started', 1, { jobId: 'b' }));
    expect(h.delivered).toEqual(['enqueued:0', 'started:1']);
    h.order.flush();
    expect(h.delivered).toEqual(['enqueued:0', 'started:1', 'started:1']);
  });

  it('forgets the least recently seen jobs past maxJobs', () => {
    const delivered: string[] = [];
    const order = new CausalOrder({
      windowMs: 100,
      subscribedAt: SUBSCRIBED,
      maxJobs: 2,
      deliver: ({ wire: event }) => delivered.push(`${event.jobId}:${event.type}`),
    });
    for (const jobId of ['a', 'b', 'c'])
      order.push({ wire: wire('enqueued', 0, { jobId }), id: jobId }, SUBSCRIBED);
    // 'a' was forgotten: its late stale event is no longer recognised as stale, it is delivered.
    order.push({ wire: wire('enqueued', 0, { jobId: 'a' }), id: 'a2' }, SUBSCRIBED);
    expect(delivered).toEqual(['a:enqueued', 'b:enqueued', 'c:enqueued', 'a:enqueued']);
  });
});
