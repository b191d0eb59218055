import { describe, expect, it } from 'vitest';
import {
  EMPTY_FILTERS,
  eventMatches,
  filtersFromParams,
  filtersToParams,
  filtersToQuery,
  isEmptyFilter,
  payloadValue,
} from '../app/src/job-filters.ts';
import type { JobEvent } from '../app/src/types.ts';

const event = (patch: Partial<JobEvent> = {}): JobEvent => ({
  type: 'enqueued',
  id: 'e1',
  jobId: 'j1',
  queue: 'email',
  task: 'send-email',
  state: 'pending',
  attempt: 0,
  at: '2026-01-01T10:00:00.000Z',
  createdAt: '2026-01-01T10:00:00.000Z',
  ...patch,
});

describe('filters and the URL', () => {
  it('reads every filter from parameters and writes them back', () => {
    const params = new URLSearchParams(
      'state=failed,bogus,failed,retrying&queue=email&task=send&after=2026-01-01T00:00&before=2026-02-01T00:00&meta.tenant=acme&payload.plan="pro"&payload.n=3',
    );
    const filters = filtersFromParams(params);
    expect(filters).toEqual({
      states: ['failed', 'retrying'],
      queue: 'email',
      task: 'send',
      createdAfter: '2026-01-01T00:00',
      createdBefore: '2026-02-01T00:00',
      metadata: [['tenant', 'acme']],
      payload: [
        ['plan', '"pro"'],
        ['n', '3'],
      ],
    });
    expect(filtersFromParams(filtersToParams(filters))).toEqual(filters);
  });

  it('ignores empty keys', () => {
    expect(filtersFromParams(new URLSearchParams('meta.=x&payload.=y')).metadata).toEqual([]);
  });
});

describe('filtersToQuery', () => {
  it('builds the API query, parsing payload values as JSON when they are JSON', () => {
    const query = filtersToQuery({
      ...EMPTY_FILTERS,
      states: ['failed'],
      queue: 'email',
      createdAfter: '2026-01-01T00:00:00.000Z',
      createdBefore: 'not a date',
      metadata: [
        ['tenant', 'acme'],
        ['', 'dropped'],
      ],
      payload: [
        ['n', '3'],
        ['plan', 'pro'],
        ['flags', '{"a":true}'],
      ],
    });
    expect(query).toEqual({
      state: ['failed'],
      queue: 'email',
      createdAfter: '2026-01-01T00:00:00.000Z',
      metadata: { tenant: 'acme' },
      payload: { n: 3, plan: 'pro', flags: { a: true } },
    });
  });

  it.each([
    ['42', 42],
    ['"42"', '42'],
    ['true', true],
    ['pro', 'pro'],
    ['{"a":1}', { a: 1 }],
    ['', ''],
  ])('payloadValue(%j) is %j', (text, value) => {
    expect(payloadValue(text)).toEqual(value);
  });

  it('an empty filter stays empty (bulk actions need one)', () => {
    expect(isEmptyFilter(EMPTY_FILTERS)).toBe(true);
    expect(isEmptyFilter({ ...EMPTY_FILTERS, createdAfter: 'garbage' })).toBe(true);
    expect(isEmptyFilter({ ...EMPTY_FILTERS, task: 'x' })).toBe(false);
  });
});

describe('eventMatches', () => {
  it.each([
    [{}, {}, true],
    [{ states: ['failed'] }, { state: 'failed' }, true],
    [{ states: ['failed'] }, { state: 'pending' }, false],
    [{ queue: 'email' }, { queue: 'reports' }, false],
    [{ task: 'send-email' }, {}, true],
    [{ task: 'other' }, {}, false],
    [{ createdAfter: '2026-01-01T10:00:00.000Z' }, {}, true],
    [{ createdAfter: '2026-01-01T10:00:00.001Z' }, {}, false],
    [{ createdBefore: '2026-01-01T10:00:00.000Z' }, {}, false],
    [{ createdBefore: '2026-01-01T10:00:00.001Z' }, {}, true],
  ] as const)('filters %j, event %j → %s', (filters, patch, expected) => {
    expect(
      eventMatches(
        {
          ...EMPTY_FILTERS,
          ...filters,
          states: [...((filters as { states?: string[] }).states ?? [])],
        } as never,
        event(patch as Partial<JobEvent>),
      ),
    ).toBe(expected);
  });
});
