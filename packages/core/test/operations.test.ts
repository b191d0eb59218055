import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BULK_ACTION_STATES, planBulk, planClean } from '../src/bulk.js';
import { InvalidOptionsError } from '../src/errors.js';
import { decodeEventMessage, encodeEventMessages, toJobEvent, type WireJobEvent } from '../src/job-events.js';
import { defineTask } from '../src/task.js';
import { describeTask, payloadJsonSchema } from '../src/task-catalog.js';
import { validateWithSchema } from '../src/validation.js';
import { decodeWorkers } from '../src/worker-presence.js';
import { logger } from './logger-spy.js';

const event = (overrides: Partial<WireJobEvent> = {}): WireJobEvent => ({
  type: 'completed',
  rank: 13,
  jobId: '0190-a',
  queue: 'q',
  task: 't',
  state: 'completed',
  attempt: 1,
  at: 1000,
  createdAt: 900,
  durationMs: 12,
  ...overrides,
});

describe('job event wire format', () => {
  it('round-trips events and splits batches to fit the transport', () => {
    const events = Array.from({ length: 50 }, (_, n) => event({ jobId: `job-${n}` }));
    const messages = encodeEventMessages(events, 1000);
    expect(messages.length).toBeGreaterThan(1);
    for (const message of messages) expect(Buffer.byteLength(message)).toBeLessThanOrEqual(1000);
    const decoded = messages.flatMap((message) => decodeEventMessage(message).events);
    expect(decoded).toEqual(events);
    expect(toJobEvent(decoded[0]!, '7.0')).toMatchObject({
      id: '7.0',
      at: new Date(1000),
      createdAt: new Date(900),
      durationMs: 12,
    });
  });

  it('drops a progress value too large for one message, and cuts long error messages', () => {
    const [message] = encodeEventMessages([event({ type: 'progress', progress: 'x'.repeat(5000) })], 1000);
    expect(decodeEventMessage(message!).events[0]).not.toHaveProperty('progress');
    const [failed] = encodeEventMessages(
      [event({ error: { name: 'Error', message: 'y'.repeat(2000) } })],
      4000,
    );
    expect(decodeEventMessage(failed!).events[0]!.error!.message).toHaveLength(500);
  });

  it.each([
    ['not JSON', 'nope'],
    ['another version', JSON.stringify({ v: 2, e: [event()] })],
    ['no list', JSON.stringify({ v: 1, e: 'x' })],
  ])('a message that is %s is one malformed entry', (_name, message) => {
    expect(decodeEventMessage(message)).toEqual({ events: [], malformed: 1 });
  });

  it('skips malformed entries and keeps the valid ones', () => {
    const bad = [
      { ...event(), type: 'exploded' },
      { ...event(), jobId: '' },
      { ...event(), attempt: -1 },
      { ...event(), rank: 'high' },
      { ...event(), state: 'sleeping' },
      { ...event(), at: 'now' },
      { ...event(), error: { name: 1 } },
      null,
      7,
    ];
    const decoded = decodeEventMessage(JSON.stringify({ v: 1, e: [...bad, event()] }));
    expect(decoded.malformed).toBe(bad.length);
    expect(decoded.events).toEqual([event()]);
  });
});

describe('workers registry entries', () => {
  const stored = (overrides: object = {}) =>
    JSON.stringify({
      v: 1,
      id: 'w1',
      hostname: 'h',
      pid: 1,
      queues: ['a'],
      concurrency: 2,
      runningJobIds: [],
      startedAt: 10,
      lastSeenAt: 20,
      expiresAt: 100,
      version: '1.0.0',
      adapter: 'memory',
      ...overrides,
    });

  it('decodes live entries, oldest first, and drops expired and malformed ones', () => {
    const spy = logger();
    const workers = decodeWorkers(
      [
        stored({ id: 'w2', startedAt: 15 }),
        stored(),
        stored({ id: 'old', expiresAt: 50 }),
        '{',
        stored({ pid: 'x' }),
      ],
      60,
      spy,
    );
    expect(workers.map((worker) => worker.id)).toEqual(['w1', 'w2']);
    expect(workers[0]).toMatchObject({
      startedAt: new Date(10),
      lastSeenAt: new Date(20),
      expiresAt: new Date(100),
    });
    expect(spy.lines).toEqual([expect.objectContaining({ level: 'warn', obj: { malformed: 2 } })]);
  });
});

describe('bulk plans', () => {
  it('acts only on the states the action applies to', () => {
    expect(planBulk({ filter: { queue: 'q' }, action: 'retry' }).onlyIn).toEqual(BULK_ACTION_STATES.retry);
    expect(planBulk({ filter: { state: ['failed', 'pending'] }, action: 'retry' }).onlyIn).toEqual([
      'failed',
    ]);
    expect(planBulk({ filter: { state: 'running' }, action: 'remove' }).onlyIn).toEqual(['running']);
    expect(planBulk({ filter: {}, all: true, action: 'remove' }).onlyIn).not.toContain('running');
    expect(planBulk({ filter: { task: 't' }, action: 'cancel', batchSize: 10 })).toMatchObject({
      filter: { task: 't', states: BULK_ACTION_STATES.cancel },
      batchSize: 10,
    });
  });

  it.each([
    [{ filter: {}, action: 'retry' }, /empty filter matches every job/],
    [{ filter: { state: 'completed' }, action: 'retry' }, /names none of them/],
    [{ filter: { queue: 'q' }, action: 'delete' }, /action must be/],
    [{ filter: { queue: 'q' }, action: 'retry', batchSize: 5000 }, /batchSize/],
    [{ filter: { queue: 'q', limit: 5 }, action: 'retry' }, /unknown filter "limit"/],
    [{ filter: { queue: 'q' }, action: 'retry', onProgress: 'yes' }, /onProgress/],
  ])('refuses %o', (options, message) => {
    expect(() => planBulk(options as never)).toThrow(InvalidOptionsError);
    expect(() => planBulk(options as never)).toThrow(message);
  });

  it('clean removes jobs of one finished state that finished before now - olderThan', () => {
    const plan = planClean({ state: 'completed', olderThan: '1h', queue: 'q' }, 10_000_000);
    expect(plan).toMatchObject({
      action: 'remove',
      onlyIn: ['completed'],
      filter: { states: ['completed'], queue: 'q', finishedBefore: new Date(10_000_000 - 3_600_000) },
    });
    expect(() => planClean({ state: 'running', olderThan: '1h' } as never, 0)).toThrow(
      /state must be one of/,
    );
    expect(() => planClean({ state: 'failed' } as never, 0)).toThrow(/olderThan is required/);
  });
});

describe('task catalogue and tasks without a schema', () => {
  it('describes settings and the payload JSON Schema', () => {
    const task = defineTask({
      name: 'mail',
      queue: 'email',
      priority: 2,
      schema: z.object({ to: z.string() }),
      retry: { attempts: 'unlimited', backoff: '1s,5s' },
      timeout: '2m',
      handler: () => 1,
    });
    expect(describeTask(task)).toEqual({
      name: 'mail',
      queue: 'email',
      priority: 2,
      attempts: null,
      backoff: { type: 'list', delays: [1000, 5000], jitter: 'none' },
      timeoutMs: 120_000,
      hasHandler: true,
      payloadSchema: expect.objectContaining({ type: 'object', required: ['to'] }),
    });
    const fnBackoff = defineTask({ name: 'f', schema: z.object({}), retry: { backoff: () => 10 } });
    expect(describeTask(fnBackoff).backoff).toBe('function');
  });

  it('a task without a schema accepts any JSON payload and has no JSON Schema', async () => {
    const task = defineTask({ name: 'free', handler: (payload) => payload });
    expect(task.schemaless).toBe(true);
    expect(payloadJsonSchema(task)).toBeNull();
    await expect(validateWithSchema(task.schema, { anything: [1, 'two'] }, 'payload')).resolves.toEqual({
      anything: [1, 'two'],
    });
    expect(() => defineTask({ name: 'bad', schema: { parse: () => 1 } as never })).toThrow(/Standard Schema/);
  });
});
