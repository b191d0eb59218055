/** Pure parts: queue names, priority bands, record transitions, codecs, options. */
import { SQSClient } from '@aws-sdk/client-sqs';
import { memoryStore, sqsAdapter, sqsQueueName } from '@switchyard/adapter-sqs';
import { InvalidOptionsError, MalformedJobError } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import {
  decodeDoorbell,
  decodeDoorbells,
  decodeMessageBody,
  decodeRecord,
  encodeDoorbell,
  encodeDoorbells,
  encodeRecord,
  encodeReservedTicket,
  encodeTickets,
  type MessageBody,
} from '../src/codec.js';
import { doorbellMessage, messageGroupOf } from '../src/doorbells.js';
import { resolveOptions } from '../src/options.js';
import { besideOf } from '../src/records.js';
import { isExpired } from '../src/retention.js';
import {
  claimed,
  completed,
  leaseSeconds,
  manuallyRetried,
  newRecord,
  released,
  retried,
  secondsUntil,
} from '../src/transitions.js';
import { newJob } from './support.js';

describe('queue names', () => {
  it('escapes characters SQS does not allow, without collisions, within 80 characters', () => {
    expect(sqsQueueName('sy', 'email')).toBe('sy-email-p0');
    expect(sqsQueueName('sy', 'email', true)).toBe('sy-email-p0.fifo');
    const names = ['a.b', 'a:b', 'a_b', 'a_db'].map((queue) => sqsQueueName('sy', queue));
    expect(new Set(names).size).toBe(4);
    for (const name of names) expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
    const long = sqsQueueName('prefix', 'q'.repeat(128));
    expect(long.length).toBeLessThanOrEqual(80);
    expect(long.endsWith('-p0')).toBe(true);
    expect(long).not.toBe(sqsQueueName('prefix', `${'q'.repeat(127)}r`));
    expect(sqsQueueName('prefix', 'q'.repeat(128), true).endsWith('-p0.fifo')).toBe(true);
  });
});

describe('record transitions', () => {
  const now = new Date('2030-01-01T00:00:00Z');
  it('claim, retry, release, complete and manual retry move state, attempt and bookkeeping', () => {
    const pending = newRecord(newJob({ runAt: now }), now.getTime());
    expect(pending).toMatchObject({ state: 'pending', attempt: 0, doorbell: 1 });
    expect(newRecord(newJob({ runAt: new Date(now.getTime() + 1) }), now.getTime()).state).toBe('scheduled');
    const running = claimed({ ...pending, cancelRequested: true }, now, 'tok');
    expect(running).toMatchObject({ state: 'running', attempt: 1, leaseToken: 'tok', startedAt: now });
    expect(running.cancelRequested).toBeUndefined();
    const later = new Date(now.getTime() + 5_000);
    expect(retried(running, later, { name: 'E', message: 'm' }, now)).toMatchObject({
      state: 'retrying',
      runAt: later,
    });
    expect(retried(running, now, { name: 'E', message: 'm' }, now).state).toBe('pending');
    expect(released(running)).toMatchObject({ state: 'pending', attempt: 0 });
    expect(released(running).leaseToken).toBeUndefined();
    const done = completed(
      { ...running, error: { name: 'E', message: 'earlier attempt' } },
      { ok: true },
      now,
    );
    expect(done.error).toBeUndefined();
    expect(done).toMatchObject({ state: 'completed', result: { ok: true }, finishedAt: now });
    const again = manuallyRetried({ ...done, state: 'failed' }, now);
    expect(again).toMatchObject({ state: 'pending', attempt: 0, doorbell: 2 });
    expect(again.finishedAt).toBeUndefined();
  });

  it('rounds waits up to whole seconds (SQS granularity)', () => {
    expect(secondsUntil(1_001, 0)).toBe(2);
    expect(secondsUntil(0, 5)).toBe(0);
    expect(leaseSeconds(300)).toBe(1);
    expect(leaseSeconds(30_000)).toBe(30);
    expect(leaseSeconds(10 ** 9)).toBe(43_200);
  });
});

describe('retention and doorbells', () => {
  it.each([
    ['completed', 0, 1_000, { completedMs: 1_000 }, true],
    ['completed', 1, 1_000, { completedMs: 1_000 }, false],
    ['failed', 0, 1_000, { completedMs: 1 }, false],
    ['cancelled', 0, 500, { failedMs: 500 }, true],
    ['running', 0, 10_000, { completedMs: 1, failedMs: 1 }, false],
  ] as const)(
    '%s finished at %i, now %i, retention %o → expired %s',
    (state, finishedAt, now, retention, expected) => {
      expect(isExpired(state, finishedAt, now, retention)).toBe(expected);
    },
  );

  it('standard doorbells carry the delay (≤ 15 min); FIFO ones carry group and dedup id instead', () => {
    const options = resolveOptions({ client: new SQSClient({ region: 'us-east-1' }), store: memoryStore() });
    const record = newRecord(newJob({ metadata: { groupId: 'g1' } }), Date.now());
    expect(doorbellMessage(options, record, 5_000, 'd')).toEqual({
      body: encodeDoorbell({ id: record.id, generation: 1 }),
      delaySeconds: 900,
    });
    const fifo = { ...options, fifo: { groupMetadataKey: 'groupId', defaultGroupId: 'default' } };
    expect(doorbellMessage(fifo, record, 5_000, 'd')).toMatchObject({
      delaySeconds: 0,
      fifo: { groupId: 'g1', deduplicationId: 'd' },
    });
    expect(messageGroupOf({ ...record, metadata: {} }, fifo.fifo)).toBe('default');
  });
});

describe('codecs', () => {
  it('round-trips a record with its dates', () => {
    const record = claimed(newRecord(newJob(), Date.now()), new Date(), 'tok');
    expect(decodeRecord(record.id, encodeRecord(record), besideOf(record))).toEqual(record);
  });

  it('names the job when its record cannot be decoded', () => {
    expect(() => decodeRecord('j1', '{nope', { state: 'pending' })).toThrow(MalformedJobError);
    expect(() => decodeRecord('j1', '{"id":"j1"}', { state: 'pending' })).toThrow(/j1.*task/);
  });

  // A record stored before the lifecycle fields moved beside it carries them itself.
  const legacy = { attempt: 0, state: 'pending' };
  it.each<[string, Record<string, unknown>, string]>([
    // Judged by core's shared validator, as on every backend:
    ['a priority out of range', { priority: 12 }, 'priority is not an integer 0..9'],
    ['metadata that is not strings', { metadata: { tenant: 1 } }, 'metadata is not an object of strings'],
    ['a date that is not epoch ms', { runAt: '2030-01-01' }, 'runAt is not a valid date'],
    ['an error without a message', { error: { name: 'E' } }, 'error is not { name, message }'],
    ['a task name with spaces', { task: 'a b' }, 'task is not a valid name'],
    [
      '(stored before lifecycle fields moved beside it) a bad attempt',
      { ...legacy, attempt: -1 },
      'attempt is not an integer ≥ 0',
    ],
    // The adapter's own bookkeeping:
    ['no doorbell generation', { doorbell: undefined }, 'doorbell is not an integer'],
    [
      '(stored before lifecycle fields moved beside it) a lease token that is not a string',
      { ...legacy, leaseToken: 7 },
      'leaseToken is not a string',
    ],
  ])('a stored record with %s is malformed, naming the problem', (_name, change, problem) => {
    const fresh = newRecord(newJob(), Date.now());
    const data = JSON.stringify({ ...JSON.parse(encodeRecord(fresh)), ...change });
    const beside = 'attempt' in change ? { state: fresh.state } : besideOf(fresh);
    expect(() => decodeRecord('j1', data, beside)).toThrow(MalformedJobError);
    expect(() => decodeRecord('j1', data, beside)).toThrow(
      new RegExp(`^sqs: stored job j1 is malformed: .*${problem.replace(/[{}.]/g, '\\$&')}`),
    );
  });

  it('takes state and lifecycle fields from beside the record, or from a record stored before they moved', () => {
    const running = claimed(newRecord(newJob(), Date.now()), new Date(1_000), 'tok');
    const data = encodeRecord(running);
    expect(JSON.parse(data)).not.toHaveProperty('state');
    expect(JSON.parse(data)).not.toHaveProperty('leaseToken');
    expect(decodeRecord(running.id, data, { state: 'running', attempt: 3, startedAt: 2_000 })).toMatchObject({
      state: 'running',
      attempt: 3,
      startedAt: new Date(2_000),
    });
    const legacyData = JSON.stringify({
      ...JSON.parse(data),
      state: 'pending',
      attempt: 2,
      leaseToken: 'old',
    });
    expect(decodeRecord(running.id, legacyData, { state: 'running' })).toMatchObject({
      state: 'running',
      attempt: 2,
      leaseToken: 'old',
    });
  });

  it('lists every problem of a record at once', () => {
    const fresh = newRecord(newJob(), Date.now());
    const data = JSON.stringify({ ...JSON.parse(encodeRecord(fresh)), priority: -1, doorbell: null });
    expect(() => decodeRecord('j1', data, { ...besideOf(fresh), attempt: -2 })).toThrow(
      'sqs: stored job j1 is malformed: priority is not an integer 0..9; attempt is not an integer ≥ 0; doorbell is not an integer',
    );
  });

  it('round-trips named doorbells; one id keeps the single-job form; malformed lists are foreign', () => {
    const doorbells = [
      { id: 'a', generation: 1 },
      { id: 'b', generation: 2 },
    ];
    expect(decodeDoorbells(encodeDoorbells(doorbells))).toEqual(doorbells);
    expect(JSON.parse(encodeDoorbells([{ id: 'a', generation: 1 }]))).toEqual({ v: 1, id: 'a', g: 1 });
    expect(decodeDoorbells('{"v":2,"j":[]}')).toBeNull();
    expect(decodeDoorbells('{"v":2,"j":[["a","1"]]}')).toBeNull();
    expect(decodeDoorbells('{"v":2,"j":"a"}')).toBeNull();
    expect(decodeDoorbells('{"v":4,"j":[["a",1]]}')).toBeNull();
  });

  it.each<[string, string | undefined, MessageBody | null]>([
    ['tickets', '{"v":3,"n":7}', { kind: 'tickets', count: 7 }],
    [
      "a delayed job's own ticket",
      '{"v":3,"n":1,"id":"j","g":2}',
      { kind: 'tickets', count: 1, reserved: { id: 'j', generation: 2 } },
    ],
    [
      'a named doorbell',
      '{"v":1,"id":"j","g":2}',
      { kind: 'named', doorbells: [{ id: 'j', generation: 2 }] },
    ],
    ['no tickets', '{"v":3,"n":0}', null],
    ['a fractional count', '{"v":3,"n":1.5}', null],
    ['an own ticket for several', '{"v":3,"n":2,"id":"j","g":1}', null],
    ['an own ticket without generation', '{"v":3,"n":1,"id":"j"}', null],
    ['not JSON', 'tickets', null],
    ['no body', undefined, null],
  ])('decodes %s', (_name, body, expected) => {
    expect(decodeMessageBody(body)).toEqual(expected);
  });

  it('encodes tickets and own tickets as the receiver reads them', () => {
    expect(decodeMessageBody(encodeTickets(4))).toEqual({ kind: 'tickets', count: 4 });
    expect(decodeMessageBody(encodeReservedTicket({ id: 'x', generation: 3 }))).toEqual({
      kind: 'tickets',
      count: 1,
      reserved: { id: 'x', generation: 3 },
    });
  });

  it('reads only its own doorbells', () => {
    expect(decodeDoorbell(encodeDoorbell({ id: 'x', generation: 3 }))).toEqual({ id: 'x', generation: 3 });
    expect(decodeDoorbell('hello')).toBeNull();
    expect(decodeDoorbell('{"id":"x"}')).toBeNull();
    expect(decodeDoorbell(undefined)).toBeNull();
  });
});

describe('options', () => {
  const client = new SQSClient({ region: 'us-east-1' });
  it('rejects bad options with InvalidOptionsError naming them', () => {
    expect(() => sqsAdapter({ client, store: memoryStore(), waitTimeSeconds: 21 })).toThrow(
      InvalidOptionsError,
    );
    expect(() => sqsAdapter({ client, store: memoryStore(), queuePrefix: 'a.b' })).toThrow(/queuePrefix/);
    expect(() => sqsAdapter({ client: {} as SQSClient, store: memoryStore() })).toThrow(/client/);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      'priorityBands (removed)',
      { priorityBands: 3 },
      /priorityBands was removed: jobs run in strict priority order/,
    ],
    ['priorityBands in FIFO mode', { fifo: true, priorityBands: 1 }, /priorityBands was removed/],
    ['an ordering option', { ordering: 'best-effort' }, /ordering is not an option/],
    [
      'a doorbell sweep interval out of range',
      { doorbellSweepIntervalMs: 5 },
      /doorbellSweepIntervalMs must be an integer 10\.\.86400000/,
    ],
    ['a jobsPerMessage out of range', { jobsPerMessage: 0 }, /jobsPerMessage must be an integer 1\.\.100/],
    ['a jobsPerMessage above 100', { jobsPerMessage: 101 }, /jobsPerMessage/],
    [
      'several jobs per message in FIFO mode',
      { fifo: true, jobsPerMessage: 10 },
      /FIFO mode sends one job per message/,
    ],
  ])('refuses %s with InvalidOptionsError', (_name, options, message) => {
    const build = () => sqsAdapter({ client, store: memoryStore(), ...options });
    expect(build).toThrow(InvalidOptionsError);
    expect(build).toThrow(message);
  });

  it('standard queues need a store that claims heads; FIFO mode does not', () => {
    // A custom store without the strict-ordering methods.
    const store = new Proxy(memoryStore(), {
      get(target, property) {
        if (property === 'claimHeads' || property === 'missingTickets') return undefined;
        const value = Reflect.get(target, property);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    expect(() => sqsAdapter({ client, store })).toThrow(/needs a job-state store with claimHeads/);
    expect(sqsAdapter({ client, store, fifo: true }).capabilities.ordering).toBe('best-effort');
    expect(
      sqsAdapter({ client, store: memoryStore(), fifo: true, jobsPerMessage: 1 }).capabilities.fifo,
    ).toBe(true);
  });

  it('declares what SQS can do; the in-memory store is not durable', () => {
    expect(sqsAdapter({ client, store: memoryStore() }).capabilities).toEqual({
      durable: false,
      transactionalEnqueue: false,
      ordering: 'strict',
      maxPayloadBytes: 1_048_576,
      maxDelayMs: Number.POSITIVE_INFINITY,
      crossProcessCancel: false,
      nativeScheduler: false,
      crossProcessLeases: false,
      throttle: true,
      fifo: false,
    });
  });
});
