/** Pure parts: queue names, priority bands, record transitions, codecs, options. */
import { SQSClient } from '@aws-sdk/client-sqs';
import { memoryStore, priorityBand, sqsAdapter, sqsQueueName } from '@switchyard/adapter-sqs';
import { InvalidOptionsError, MalformedJobError } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { decodeDoorbell, decodeRecord, encodeDoorbell, encodeRecord } from '../src/codec.js';
import { doorbellMessage, messageGroupOf } from '../src/doorbells.js';
import { resolveOptions } from '../src/options.js';
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

describe('queue names and bands', () => {
  it.each([
    [0, 3, 0],
    [3, 3, 0],
    [4, 3, 1],
    [6, 3, 1],
    [7, 3, 2],
    [9, 3, 2],
    [9, 1, 0],
    [5, 10, 5],
  ])('priority %i with %i bands is band %i', (priority, bands, band) => {
    expect(priorityBand(priority, bands)).toBe(band);
  });

  it('escapes characters SQS does not allow, without collisions, within 80 characters', () => {
    expect(sqsQueueName('sy', 'email', 0)).toBe('sy-email-p0');
    const names = ['a.b', 'a:b', 'a_b', 'a_db'].map((queue) => sqsQueueName('sy', queue, 1));
    expect(new Set(names).size).toBe(4);
    for (const name of names) expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
    const long = sqsQueueName('prefix', 'q'.repeat(128), 2);
    expect(long.length).toBeLessThanOrEqual(80);
    expect(long.endsWith('-p2')).toBe(true);
    expect(long).not.toBe(sqsQueueName('prefix', `${'q'.repeat(127)}r`, 2));
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
    expect(decodeRecord(record.id, encodeRecord(record))).toEqual(record);
  });

  it('names the job when its record cannot be decoded', () => {
    expect(() => decodeRecord('j1', '{nope')).toThrow(MalformedJobError);
    expect(() => decodeRecord('j1', '{"id":"j1"}')).toThrow(/j1.*task/);
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
    expect(() => sqsAdapter({ client, store: memoryStore(), priorityBands: 11 })).toThrow(/priorityBands/);
    expect(() => sqsAdapter({ client, store: memoryStore(), waitTimeSeconds: 21 })).toThrow(
      InvalidOptionsError,
    );
    expect(() => sqsAdapter({ client, store: memoryStore(), queuePrefix: 'a.b' })).toThrow(/queuePrefix/);
    expect(() => sqsAdapter({ client: {} as SQSClient, store: memoryStore() })).toThrow(/client/);
  });

  it('declares what SQS can do; the in-memory store is not durable', () => {
    expect(sqsAdapter({ client, store: memoryStore() }).capabilities).toEqual({
      durable: false,
      transactionalEnqueue: false,
      ordering: 'best-effort',
      maxPayloadBytes: 1_048_576,
      maxDelayMs: Number.POSITIVE_INFINITY,
      crossProcessCancel: false,
      nativeScheduler: false,
      crossProcessLeases: false,
      fifo: false,
    });
  });
});
