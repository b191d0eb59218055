import { describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../src/errors.js';
import type { JobRecord } from '../src/job.js';
import { jobMatchesFilter, jsonEqual, LIST_SCAN_LIMIT, normalizeListQuery } from '../src/job-filter.js';

const job: JobRecord = {
  id: 'a',
  task: 'send',
  queue: 'mail',
  state: 'completed',
  payload: { user: { id: 7, tags: ['x', 'y'] }, plan: 'pro', count: 0, none: null },
  priority: 5,
  attempt: 1,
  maxAttempts: 3,
  createdAt: new Date('2030-01-01T00:00:10Z'),
  runAt: new Date('2030-01-01T00:00:10Z'),
  finishedAt: new Date('2030-01-01T00:01:00Z'),
  metadata: { tenant: 'acme', region: 'eu' },
};

describe('normalizeListQuery', () => {
  it('applies defaults and keeps only what was given', () => {
    expect(normalizeListQuery(undefined)).toEqual({ limit: 50, scanLimit: LIST_SCAN_LIMIT });
    expect(
      normalizeListQuery({
        state: ['failed', 'failed', 'cancelled'],
        createdAfter: '2030-01-01T00:00:00Z',
        createdBefore: 1_900_000_000_000,
        finishedBefore: new Date(5),
        limit: 1000,
        cursor: 'abc',
      }),
    ).toEqual({
      states: ['failed', 'cancelled'],
      createdAfter: new Date('2030-01-01T00:00:00Z'),
      createdBefore: new Date(1_900_000_000_000),
      finishedBefore: new Date(5),
      limit: 1000,
      cursor: 'abc',
      scanLimit: LIST_SCAN_LIMIT,
    });
    expect(normalizeListQuery({ state: 'pending' }).states).toEqual(['pending']);
  });

  it.each([
    ['unknown key', { colour: 'red' }, /unknown filter "colour"/],
    ['unknown state', { state: 'sleeping' }, /unknown state "sleeping"/],
    ['empty state list', { state: [] }, /at least one state/],
    ['bad task name', { task: 'a b' }, /task must match/],
    ['queue not a string', { queue: 3 }, /queue must match/],
    ['unparsable date', { createdAfter: 'soon' }, /createdAfter must be a Date/],
    ['numeric string date', { createdAfter: '123' }, /createdAfter must be a Date/],
    ['invalid Date', { createdBefore: new Date('x') }, /createdBefore must be a Date/],
    ['empty range', { createdAfter: 10, createdBefore: 10 }, /createdAfter must be before createdBefore/],
    ['metadata not strings', { metadata: { a: 1 } }, /metadata.a must be a string/],
    ['metadata empty', { metadata: {} }, /at least one key/],
    ['metadata array', { metadata: ['a'] }, /must be an object/],
    [
      'too many keys',
      { metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])) },
      /at most 20/,
    ],
    ['payload not JSON', { payload: { at: new Date() } }, /payload.at must be a JSON value/],
    ['payload undefined value', { payload: { a: undefined } }, /payload.a must be a JSON value/],
    ['limit 0', { limit: 0 }, /limit must be an integer 1..1000/],
    ['limit 1001', { limit: 1001 }, /limit must be an integer 1..1000/],
    ['limit fraction', { limit: 1.5 }, /limit must be an integer/],
    ['empty cursor', { cursor: '' }, /cursor must be a non-empty string/],
    ['not an object', 'state=pending', /takes an object/],
  ])('refuses %s', (_name, query, message) => {
    expect(() => normalizeListQuery(query as never)).toThrow(InvalidOptionsError);
    expect(() => normalizeListQuery(query as never)).toThrow(message);
  });
});

describe('jobMatchesFilter', () => {
  const matches = (query: object) => jobMatchesFilter(job, normalizeListQuery(query));
  it.each([
    [{}, true],
    [{ state: ['failed', 'completed'] }, true],
    [{ state: 'failed' }, false],
    [{ task: 'send', queue: 'mail' }, true],
    [{ queue: 'other' }, false],
    [{ createdAfter: '2030-01-01T00:00:10Z' }, true],
    [{ createdAfter: '2030-01-01T00:00:11Z' }, false],
    [{ createdBefore: '2030-01-01T00:00:10Z' }, false],
    [{ createdBefore: '2030-01-01T00:00:11Z' }, true],
    [{ finishedBefore: '2030-01-01T00:01:01Z' }, true],
    [{ finishedBefore: '2030-01-01T00:01:00Z' }, false],
    [{ metadata: { tenant: 'acme' } }, true],
    [{ metadata: { tenant: 'acme', region: 'us' } }, false],
    [{ payload: { plan: 'pro' } }, true],
    [{ payload: { user: { tags: ['x', 'y'], id: 7 } } }, true],
    [{ payload: { user: { id: 7 } } }, false],
    [{ payload: { count: 0 } }, true],
    [{ payload: { count: false } }, false],
    [{ payload: { none: null } }, true],
    [{ payload: { missing: null } }, false],
  ])('%o → %s', (query, expected) => {
    expect(matches(query)).toBe(expected);
  });

  it('never matches finishedBefore on an unfinished job, nor payload keys on a non-object payload', () => {
    const { finishedAt: _f, ...running } = job;
    expect(
      jobMatchesFilter({ ...running, state: 'running' }, normalizeListQuery({ finishedBefore: 1e15 })),
    ).toBe(false);
    expect(jobMatchesFilter({ ...job, payload: [1] }, normalizeListQuery({ payload: { 0: 1 } }))).toBe(false);
  });

  it('jsonEqual compares deeply, ignoring key order', () => {
    expect(jsonEqual({ a: [1, { b: 2 }], c: 'x' }, { c: 'x', a: [1, { b: 2 }] })).toBe(true);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(jsonEqual([], {})).toBe(false);
    expect(jsonEqual(null, {})).toBe(false);
  });
});
