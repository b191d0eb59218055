/** Pure policy: state mapping, priority mapping, job options, the record codec, cursors. */
import { MalformedJobError } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { decodeRecord, envelopeFields, parseEnvelope, toEnvelope } from '../src/codec.js';
import { deduplicationId, toJobOptions } from '../src/enqueue.js';
import { completedRetention, type Job } from '../src/lease-worker.js';
import { resolveOptions } from '../src/options.js';
import { decodeCursor, encodeCursor } from '../src/search.js';
import { fromBullPriority, toBullPriority, toJobState } from '../src/state-mapping.js';
import { newJob } from './harness.js';

describe('state mapping', () => {
  it.each([
    ['completed', 0, false, 'completed'],
    ['failed', 1, false, 'failed'],
    ['failed', 0, true, 'cancelled'],
    ['delayed', 0, false, 'scheduled'],
    ['delayed', 1, false, 'retrying'],
    ['prioritized', 0, false, 'pending'],
    ['wait', 2, false, 'pending'],
    ['active', 1, false, 'running'],
    ['unknown', 0, false, null],
  ] as const)(
    '%s with %i attempts (cancelled marker %s) is %s',
    (place, attemptsStarted, cancelled, state) => {
      expect(toJobState(place, { attemptsStarted, cancelled })).toBe(state);
    },
  );

  it('Switchyard and BullMQ read the same priority number (0 = BullMQ wait list, served first)', () => {
    const mapped = [0, 1, 5, 9].map(toBullPriority);
    expect(mapped).toEqual([0, 1, 5, 9]);
    expect(mapped.map(fromBullPriority)).toEqual([0, 1, 5, 9]);
  });

  it.each([
    [0, 0],
    [9, 9],
    [10, 9],
    [2_097_151, 9],
    [-1, 0],
    [Number.NaN, 0],
    [1.5, 0],
  ])('BullMQ priority %s reads as Switchyard priority %s', (bull, switchyard) => {
    expect(fromBullPriority(bull)).toBe(switchyard);
  });
});

describe('job options', () => {
  it('a ready job: id, creation timestamp, the same priority, no delay', () => {
    const job = newJob({ priority: 3 });
    expect(toJobOptions(job, job.createdAt.getTime(), {})).toEqual({
      jobId: job.id,
      timestamp: job.createdAt.getTime(),
      priority: 3,
    });
  });

  it('a future runAt becomes a delay from the creation time (delayed score = runAt exactly)', () => {
    const createdAt = new Date(1_000_000);
    const job = newJob({ createdAt, runAt: new Date(1_005_000) });
    expect(toJobOptions(job, 1_000_010, {}).delay).toBe(5000);
    expect(toJobOptions(job, 1_005_000, {}).delay).toBeUndefined();
  });

  it('a unique key becomes a BullMQ deduplication id scoped by task; retention is passed through', () => {
    const job = newJob({ task: 'mail', uniqueKey: 'user-1' });
    const options = toJobOptions(job, Date.now(), { removeOnComplete: { age: 60 } });
    expect(options.deduplication).toEqual({ id: deduplicationId('mail', 'user-1') });
    expect(options.removeOnComplete).toEqual({ age: 60 });
    // Task names may contain ':', so the separator must not: these pairs must not collide.
    expect(deduplicationId('a', 'b:c')).not.toBe(deduplicationId('a:b', 'c'));
  });
});

describe('batched completions and retention', () => {
  const withKeep = (removeOnComplete: unknown) => ({ opts: { removeOnComplete } }) as unknown as Job;

  it('batches jobs kept for good or for an age; counts, limits and removal at once stay with BullMQ', () => {
    expect(completedRetention(withKeep(undefined))).toBeNull();
    expect(completedRetention(withKeep(false))).toBeNull();
    expect(completedRetention(withKeep({ age: 86_400 }))).toBe(86_400);
    expect(completedRetention(withKeep(true))).toBeUndefined();
    expect(completedRetention(withKeep(100))).toBeUndefined();
    expect(completedRetention(withKeep({ count: 10 }))).toBeUndefined();
    expect(completedRetention(withKeep({ age: 60, count: 10 }))).toBeUndefined();
    expect(completedRetention(withKeep({ age: 60, limit: 5 }))).toBeUndefined();
    expect(completedRetention(withKeep({ age: 0 }))).toBeUndefined();
  });
});

describe('codec', () => {
  it('an envelope plus BullMQ timestamp and priority round-trips every field', () => {
    const createdAt = new Date(1_000_000);
    const job = newJob({
      createdAt,
      runAt: new Date(1_005_000),
      priority: 7,
      backoff: { type: 'fixed', delay: 10 },
      timeoutMs: 50,
      uniqueKey: 'k',
      metadata: { a: 'b' },
    });
    const envelope = parseEnvelope(job.id, JSON.stringify(toEnvelope(job)));
    expect(envelopeFields(envelope, createdAt.getTime(), toBullPriority(7))).toEqual({
      payload: job.payload,
      priority: 7,
      createdAt,
      runAt: job.runAt,
      maxAttempts: 3,
      backoff: { type: 'fixed', delay: 10 },
      timeoutMs: 50,
      uniqueKey: 'k',
      metadata: { a: 'b' },
    });
  });

  it('stores only what BullMQ does not hold already', () => {
    const job = newJob({ maxAttempts: null });
    expect(toEnvelope(job)).toEqual({ v: 1, payload: job.payload, maxAttempts: null });
  });

  it('corrupt JSON and foreign data are MalformedJobError', () => {
    expect(() => parseEnvelope('x', '{"v":1,')).toThrow(MalformedJobError);
    expect(() => parseEnvelope('x', '{"hello":"world"}')).toThrow(/not written by Switchyard/);
  });

  it('decodes a retrying job: attempt, error, runAt from the delayed score', () => {
    const job = newJob();
    const record = decodeRecord(
      {
        queue: 'default',
        id: job.id,
        place: 'delayed',
        delayedScore: 2_000_000 * 0x1000 + 7,
        fields: {
          name: 'echo',
          data: JSON.stringify(toEnvelope(job)),
          timestamp: String(job.createdAt.getTime()),
          ats: '1',
          atm: '1',
          syAtm: '1',
          processedOn: '1500',
          syErr: JSON.stringify({ name: 'Error', message: 'boom', code: 'X' }),
        },
      },
      { now: 1_000_000 },
    );
    expect(record).toMatchObject({
      state: 'retrying',
      attempt: 1,
      runAt: new Date(2_000_000),
      startedAt: new Date(1500),
      error: { name: 'Error', message: 'boom', code: 'X' },
    });
  });

  it('a corrupt record is still reported with what can be read', () => {
    const record = decodeRecord(
      {
        queue: 'q',
        id: 'id-1',
        place: 'failed',
        fields: {
          name: 'echo',
          data: '{"broken',
          timestamp: '1000',
          priority: '3',
          ats: '1',
          failedReason: 'bad data',
        },
      },
      { now: 2000 },
    );
    expect(record).toMatchObject({
      id: 'id-1',
      task: 'echo',
      queue: 'q',
      state: 'failed',
      priority: 3,
      error: { message: 'bad data' },
    });
    expect(record?.payload).toBeUndefined();
  });
});

describe('options and cursors', () => {
  it('requires a connection and validates numbers', () => {
    expect(() => resolveOptions({} as never)).toThrow(/connection/);
    expect(() => resolveOptions({ connection: 'redis://x', maxPayloadBytes: 0 })).toThrow(/maxPayloadBytes/);
    expect(resolveOptions({ connection: 'redis://x' })).toMatchObject({
      prefix: 'bull',
      maxPayloadBytes: 512 * 1024,
    });
  });

  it('cursors are opaque and refuse foreign input', () => {
    expect(decodeCursor(encodeCursor('01a2-id'))).toBe('01a2-id');
    expect(() => decodeCursor('!!')).toThrow(/invalid cursor/);
  });
});

describe('codec: jobs BullMQ tools changed', () => {
  const job = newJob({ createdAt: new Date(1_000_000), runAt: new Date(9_000_000), maxAttempts: 2 });
  const fields = {
    name: 'echo',
    data: JSON.stringify(toEnvelope(job)),
    timestamp: '1000000',
    priority: '5',
  };

  it('a failed job a tool put back reads as pending with a fresh budget and no stale error', () => {
    const record = decodeRecord(
      {
        queue: 'default',
        id: job.id,
        place: 'prioritized',
        fields: { ...fields, ats: '2', atm: '2', syAtm: '1', syErr: '{"name":"Error","message":"old"}' },
      },
      { now: 2_000_000 },
    );
    expect(record).toMatchObject({ state: 'pending', attempt: 0 });
    expect(record?.error).toBeUndefined();
  });

  it('a job promoted before its runAt reads as runnable now', () => {
    const record = decodeRecord({ queue: 'default', id: job.id, place: 'wait', fields }, { now: 2_000_000 });
    expect(record?.runAt).toEqual(new Date(2_000_000));
    const delayed = decodeRecord(
      { queue: 'default', id: job.id, place: 'delayed', delayedScore: 9_000_000 * 0x1000, fields },
      { now: 2_000_000 },
    );
    expect(delayed).toMatchObject({ state: 'scheduled', runAt: new Date(9_000_000) });
  });
});
