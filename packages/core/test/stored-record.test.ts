import { describe, expect, it } from 'vitest';
import { MalformedJobError } from '../src/errors.js';
import type { JobRecord } from '../src/job.js';
import { assertStoredRecord, storedRecordError, storedRecordProblems } from '../src/stored-record.js';

const valid: JobRecord = {
  id: '0190a-1',
  task: 'send',
  queue: 'mail',
  state: 'retrying',
  payload: { any: 'thing' },
  priority: 5,
  attempt: 2,
  maxAttempts: 3,
  createdAt: new Date(1),
  runAt: new Date(2),
  startedAt: new Date(3),
  metadata: { tenant: 'a' },
  error: { name: 'Error', message: 'boom', code: 'X' },
  backoff: { type: 'list', delays: [1, 2] },
  timeoutMs: 100,
  uniqueKey: 'k',
};

describe('storedRecordProblems', () => {
  it('accepts a valid record, unlimited attempts and absent optional fields', () => {
    expect(storedRecordProblems(valid)).toEqual([]);
    const { startedAt: _s, error: _e, backoff: _b, timeoutMs: _t, uniqueKey: _u, ...minimal } = valid;
    expect(storedRecordProblems({ ...minimal, maxAttempts: null })).toEqual([]);
  });

  it.each([
    [{ id: '' }, 'id is not a non-empty string'],
    [{ task: 'a b' }, 'task is not a valid name'],
    [{ queue: 7 }, 'queue is not a valid name'],
    [{ state: 'sleeping' }, 'state is not a job state'],
    [{ priority: 10 }, 'priority is not an integer 0..9'],
    [{ priority: 1.5 }, 'priority is not an integer 0..9'],
    [{ attempt: -1 }, 'attempt is not an integer ≥ 0'],
    [{ maxAttempts: 0 }, 'maxAttempts is not an integer ≥ 1 or null'],
    [{ createdAt: new Date('x') }, 'createdAt is not a valid date'],
    [{ runAt: '2030-01-01' }, 'runAt is not a valid date'],
    [{ finishedAt: 5 }, 'finishedAt is not a valid date'],
    [{ metadata: { tenant: 1 } }, 'metadata is not an object of strings'],
    [{ metadata: null }, 'metadata is not an object of strings'],
    [{ error: 'boom' }, 'error is not { name, message }'],
    [{ timeoutMs: 0 }, 'timeoutMs is not a positive number'],
    [{ uniqueKey: '' }, 'uniqueKey is not a non-empty string'],
    [{ backoff: { type: 'linear', delay: 1 } }, 'backoff is not a backoff description'],
  ])('%o → %s', (change, problem) => {
    expect(storedRecordProblems({ ...valid, ...change })).toEqual([problem]);
  });

  it('lists every problem, and refuses what is not an object', () => {
    expect(storedRecordProblems({ ...valid, priority: -1, attempt: 'two' })).toHaveLength(2);
    expect(storedRecordProblems(null)).toEqual(['not an object']);
    expect(storedRecordProblems([])).toEqual(['not an object']);
  });

  it('assertStoredRecord throws MalformedJobError naming the adapter, job and problems', () => {
    expect(assertStoredRecord('pgboss', valid.id, valid)).toBe(valid);
    expect(() => assertStoredRecord('pgboss', 'j1', { ...valid, priority: 12 })).toThrow(MalformedJobError);
    expect(() => assertStoredRecord('pgboss', 'j1', { ...valid, priority: 12 })).toThrow(
      'pgboss: stored job j1 is malformed: priority is not an integer 0..9',
    );
  });

  it('judges names the same however many distinct names it has seen', () => {
    for (let index = 0; index < 3000; index++) {
      expect(storedRecordProblems({ ...valid, task: `task.${index}`, queue: `q-${index}` })).toEqual([]);
    }
    expect(storedRecordProblems({ ...valid, task: 'task 1' })).toEqual(['task is not a valid name']);
    expect(storedRecordProblems({ ...valid, task: 'x'.repeat(129) })).toEqual(['task is not a valid name']);
    expect(storedRecordProblems({ ...valid, queue: 'task.1' })).toEqual([]);
  });

  it('storedRecordError returns the error assertStoredRecord throws, or undefined', () => {
    expect(storedRecordError('memory', valid.id, valid)).toBeUndefined();
    const error = storedRecordError('memory', 'j2', { ...valid, metadata: { n: 1 } });
    expect(error).toBeInstanceOf(MalformedJobError);
    expect(error?.message).toBe('memory: stored job j2 is malformed: metadata is not an object of strings');
  });
});
