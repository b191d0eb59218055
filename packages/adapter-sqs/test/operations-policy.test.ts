/** Pure parts of the operations contract: stream ids, history fields, record substrings, bulk verdicts. */
import { emptyDurations, type HistoryCell, jobMatchesFilter } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { bulkVerdict } from '../src/bulk.js';
import { encodeRecord, recordSubstrings } from '../src/codec.js';
import { cellIncrements, cellsFromFields } from '../src/store/history-fields.js';
import { compareStreamIds, parseStreamId, streamIdBefore } from '../src/store/stream-ids.js';
import { seededRecord } from './ops-support.js';

describe('stream ids', () => {
  it.each([
    ['1700000000000-0', '1699999999999-18446744073709551615'],
    ['1700000000000-5', '1700000000000-4'],
    ['0-1', '0-0'],
    ['0-0', '0-0'],
    ['garbage', '0-0'],
  ])('the id before %s is %s', (id, before) => {
    expect(streamIdBefore(id)).toBe(before);
  });

  it.each([
    ['1-0', '2-0', -1],
    ['2-0', '1-9', 1],
    ['5-3', '5-3', 0],
    ['5-2', '5-10', -1],
    ['99999999999999-0', '100000000000000-0', -1],
  ])('compares %s with %s as %i (numerically, not as text)', (a, b, sign) => {
    expect(Math.sign(compareStreamIds(a, b))).toBe(sign);
  });

  it.each(['', '12', '1-', '-1', '1-2-3', 'a-1', '1-18446744073709551616'])('%j is not a stream id', (id) => {
    expect(parseStreamId(id)).toBeNull();
  });
});

describe('history cells as hash fields', () => {
  const cell = (overrides: Partial<HistoryCell>): HistoryCell => ({
    at: 60_000,
    queue: 'q.1',
    task: 'send:mail',
    completed: 0,
    failed: 0,
    retried: 0,
    durations: emptyDurations(),
    ...overrides,
  });

  it('spreads only non-zero counts and gathers them back per (queue, task)', () => {
    const durations = emptyDurations();
    durations[0] = 2;
    durations[durations.length - 1] = 1;
    const one = cell({ completed: 3, failed: 1, durations });
    const other = cell({ task: 'other', retried: 4 });
    expect(cellIncrements(one)).toEqual([
      ['q.1|send:mail|c', 3],
      ['q.1|send:mail|f', 1],
      ['q.1|send:mail|0', 2],
      [`q.1|send:mail|${durations.length - 1}`, 1],
    ]);
    const flat = [...cellIncrements(one), ...cellIncrements(other)].flatMap(([field, count]) => [
      field,
      String(count),
    ]);
    expect(cellsFromFields(60_000, flat)).toEqual([one, other]);
  });

  it('ignores fields it did not write', () => {
    expect(cellsFromFields(0, ['nonsense', '3', 'q|t|99', '1', 'q|t|c', 'x'])).toEqual([]);
    expect(cellsFromFields(0, ['q|t|c', '2', 'q|t|zz', '5'])).toEqual([
      cell({ at: 0, queue: 'q', task: 't', completed: 2 }),
    ]);
  });
});

describe('substrings a matching record contains', () => {
  it.each([
    [{ metadata: { tenant: 't3' } }, ['"tenant":"t3"']],
    [{ metadata: { 'we"ird': 'a\\b' } }, ['"we\\"ird":"a\\\\b"']],
    [{ payload: { n: 7, ok: true, none: null } }, ['"n":7', '"ok":true', '"none":null']],
    [{ payload: { user: { id: 7 } } }, ['"user":{"id":7}']],
    [{ payload: { list: [1, { a: [2] }] } }, ['"list":[1,{"a":[2]}]']],
    // Several keys: the stored order may differ, so only the key and the opening brace.
    [{ payload: { obj: { a: 1, b: 2 } } }, ['"obj":{']],
    [{ payload: { list: [{ a: 1, b: 2 }] } }, ['"list":[']],
    [{}, []],
  ])('%j → %j', (filter, needles) => {
    expect(recordSubstrings(filter)).toEqual(needles);
  });

  it('are found in the encoded record of every job that matches, whatever its key order', () => {
    const record = seededRecord('pending', {
      metadata: { tenant: 't3', 'we"ird': 'a\\b' },
      payload: { obj: { b: 2, a: 1 }, user: { id: 7 }, list: [1, { a: [2] }], n: 7, none: null, ok: true },
    });
    const filter = {
      metadata: { 'we"ird': 'a\\b' },
      payload: { obj: { a: 1, b: 2 }, user: { id: 7 }, list: [1, { a: [2] }], n: 7, none: null, ok: true },
    };
    expect(jobMatchesFilter(record, filter)).toBe(true);
    const encoded = encodeRecord(record);
    for (const needle of recordSubstrings(filter)) expect(encoded).toContain(needle);
  });
});

describe('bulk verdicts', () => {
  const now = new Date(Date.UTC(2026, 0, 1));
  const load = (record: ReturnType<typeof seededRecord>, malformed = false) => ({
    record,
    version: 1,
    ...(malformed ? { malformed: new Error('corrupt') as never } : {}),
  });

  it.each([
    ['failed', 'retry', 'pending'],
    ['cancelled', 'retry', 'pending'],
    ['completed', 'retry', null],
    ['pending', 'retry', null],
    ['pending', 'cancel', 'cancelled'],
    ['scheduled', 'cancel', 'cancelled'],
    ['retrying', 'cancel', 'cancelled'],
    ['running', 'cancel', 'running'],
    ['failed', 'cancel', null],
  ] as const)('a %s job under %s becomes %s', (state, action, next) => {
    const verdict = bulkVerdict(action, load(seededRecord(state, { attempt: 2 })), now);
    if (next === null) expect(verdict).toBeNull();
    else expect(verdict).toMatchObject({ write: { state: next }, requested: state === 'running' });
  });

  it('a retry starts a fresh budget; a repeated cancel request is not written again', () => {
    const retried = bulkVerdict('retry', load(seededRecord('failed', { attempt: 3 })), now);
    expect(retried).toMatchObject({ write: { attempt: 0, runAt: now, doorbell: 2 } });
    const requested = { ...seededRecord('running'), cancelRequested: true };
    expect(bulkVerdict('cancel', load(requested), now)).toBe('already-requested');
    expect(bulkVerdict('retry', load(seededRecord('failed'), true), now)).toBeNull();
  });
});
