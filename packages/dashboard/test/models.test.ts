/** Table-driven tests of the app's pure models: JSON preview, timeline, schema form, trace links, permissions, overview, config. */
import { describe, expect, it } from 'vitest';
import { normalizeConfig } from '../app/src/config.ts';
import { formatCadence, formatDuration, formatRelative } from '../app/src/format.ts';
import { countNodes, previewJson } from '../app/src/json-text.ts';
import { historyWindow, perMinute, unattendedQueues } from '../app/src/overview-model.ts';
import { ACTION_ROLES, can } from '../app/src/permissions.ts';
import { formFromSchema, payloadFromForm } from '../app/src/schema-form.ts';
import { buildTimeline } from '../app/src/timeline.ts';
import { traceIdOf, traceUrl } from '../app/src/trace.ts';
import type { Job, JobEvent, QueueSummary } from '../app/src/types.ts';

describe('previewJson', () => {
  it('cuts a huge value at the budget and says how big it was', () => {
    const huge = { rows: Array.from({ length: 50_000 }, (_, index) => ({ index, text: 'x'.repeat(20) })) };
    const preview = previewJson(huge, 20_000);
    expect(preview.truncated).toBe(true);
    expect(preview.text).toHaveLength(20_000);
    expect(preview.totalChars).toBe(JSON.stringify(huge, null, 2).length);
    expect(previewJson({ a: 1 }, 100)).toEqual({ text: '{\n  "a": 1\n}', truncated: false, totalChars: 12 });
    expect(previewJson(undefined, 10).text).toBe('');
  });

  it('counts nodes only up to the limit', () => {
    expect(countNodes({ a: [1, 2, { b: 3 }] }, 100)).toBe(6);
    expect(
      countNodes(
        Array.from({ length: 1e6 }, () => 0),
        1500,
      ),
    ).toBe(1500);
  });
});

const baseJob: Job = {
  id: 'j1',
  task: 't',
  queue: 'q',
  state: 'failed',
  payload: {},
  priority: 5,
  attempt: 3,
  maxAttempts: 3,
  createdAt: '2026-01-01T10:00:00.000Z',
  runAt: '2026-01-01T10:00:00.000Z',
  startedAt: '2026-01-01T10:00:10.000Z',
  finishedAt: '2026-01-01T10:00:12.000Z',
  error: { name: 'Boom', message: 'third' },
  metadata: {},
};
const ev = (
  type: JobEvent['type'],
  attempt: number,
  at: string,
  patch: Partial<JobEvent> = {},
): JobEvent => ({
  type,
  id: `${type}-${attempt}-${at}`,
  jobId: 'j1',
  queue: 'q',
  task: 't',
  state: 'running',
  attempt,
  at,
  createdAt: baseJob.createdAt,
  ...patch,
});

describe('buildTimeline', () => {
  it('takes the last attempt from the record and earlier ones from events, deduplicated', () => {
    const started2 = ev('started', 2, '2026-01-01T10:00:05.000Z', { workerId: 'w1' });
    const timeline = buildTimeline(baseJob, [
      ev('retrying', 2, '2026-01-01T10:00:06.000Z', { error: { name: 'Boom', message: 'second' } }),
      started2,
      started2,
      ev('progress', 2, '2026-01-01T10:00:05.500Z'),
    ]);
    expect(timeline.attempts).toEqual([
      { attempt: 1, outcome: 'unknown' },
      {
        attempt: 2,
        outcome: 'retrying',
        startedAt: '2026-01-01T10:00:05.000Z',
        endedAt: '2026-01-01T10:00:06.000Z',
        workerId: 'w1',
        error: 'Boom: second',
      },
      {
        attempt: 3,
        outcome: 'failed',
        startedAt: '2026-01-01T10:00:10.000Z',
        endedAt: '2026-01-01T10:00:12.000Z',
        error: 'Boom: third',
        durationMs: 2000,
      },
    ]);
  });

  it('shows a running attempt and nothing for a job never started', () => {
    expect(
      buildTimeline({ ...baseJob, state: 'running', attempt: 1, finishedAt: undefined, error: undefined }, [])
        .attempts,
    ).toEqual([{ attempt: 1, outcome: 'running', startedAt: '2026-01-01T10:00:10.000Z' }]);
    expect(buildTimeline({ ...baseJob, state: 'pending', attempt: 0 }, []).attempts).toEqual([]);
  });

  it('ignores events of other jobs', () => {
    expect(
      buildTimeline({ ...baseJob, attempt: 0, state: 'pending' }, [ev('started', 1, 'x', { jobId: 'other' })])
        .attempts,
    ).toEqual([]);
  });
});

describe('schema form', () => {
  const schema = {
    type: 'object',
    properties: {
      customer: { type: 'string', minLength: 1, description: 'who pays' },
      amount: { type: 'number', minimum: 0 },
      count: { type: 'integer' },
      currency: { type: 'string', enum: ['EUR', 'USD'], default: 'EUR' },
      premium: { type: 'boolean' },
      address: { type: 'object', properties: { city: { type: 'string' } } },
      note: { type: ['string', 'null'] },
    },
    required: ['customer', 'amount', 'currency'],
  };

  it('makes one field per property of the right kind', () => {
    const form = formFromSchema(schema);
    expect(form.kind).toBe('fields');
    if (form.kind !== 'fields') return;
    expect(form.fields.map((field) => [field.name, field.kind, field.required])).toEqual([
      ['customer', 'text', true],
      ['amount', 'number', true],
      ['count', 'integer', false],
      ['currency', 'select', true],
      ['premium', 'boolean', false],
      ['address', 'json', false],
      ['note', 'text', false],
    ]);
    expect(form.fields[0]).toMatchObject({ description: 'who pays', constraints: { minLength: 1 } });
    expect(form.fields[3]).toMatchObject({ options: ['EUR', 'USD'], initial: '"EUR"' });
  });

  it('builds the payload, and names the field at fault', () => {
    const form = formFromSchema(schema);
    expect(
      payloadFromForm(form, {
        customer: 'ada',
        amount: '4.5',
        currency: '"USD"',
        premium: 'true',
        address: '{"city":"Paris"}',
      }),
    ).toEqual({
      payload: { customer: 'ada', amount: 4.5, currency: 'USD', premium: true, address: { city: 'Paris' } },
    });
    expect(payloadFromForm(form, { customer: 'ada', amount: '' })).toEqual({
      error: 'amount is required',
      field: 'amount',
    });
    expect(payloadFromForm(form, { customer: 'ada', amount: 'x' })).toEqual({
      error: 'amount must be a number',
      field: 'amount',
    });
    expect(payloadFromForm(form, { customer: 'ada', amount: '1', count: '1.5' })).toEqual({
      error: 'count must be an integer',
      field: 'count',
    });
    expect(payloadFromForm(form, { customer: 'ada', amount: '1', address: '{' })).toEqual({
      error: 'address is not valid JSON',
      field: 'address',
    });
  });

  it('falls back to a JSON editor for schemas it cannot lay out', () => {
    expect(formFromSchema(null)).toEqual({ kind: 'json', initial: '' });
    expect(formFromSchema({ type: 'array', items: {} })).toEqual({ kind: 'json', initial: '' });
    expect(formFromSchema({ type: 'object' })).toEqual({ kind: 'json', initial: '{}' });
    const form = formFromSchema(null);
    expect(payloadFromForm(form, { $json: '[1,2]' })).toEqual({ payload: [1, 2] });
    expect(payloadFromForm(form, { $json: '' })).toEqual({ payload: undefined });
    expect(payloadFromForm(form, { $json: 'nope' })).toMatchObject({ field: '$json' });
  });
});

describe('trace links', () => {
  it.each([
    [
      { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
      '4bf92f3577b34da6a3ce929d0e0e4736',
    ],
    [{ traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' }, undefined],
    [{ traceparent: 'garbage' }, undefined],
    [{ traceId: 'abc-123' }, 'abc-123'],
    [{ traceId: 'a b' }, undefined],
    [{}, undefined],
  ])('traceIdOf(%j) is %s', (metadata, id) => {
    expect(traceIdOf(metadata)).toBe(id);
  });

  it('fills the template, only for http(s) URLs', () => {
    expect(traceUrl('https://jaeger.example/trace/{traceId}', 'abc')).toBe(
      'https://jaeger.example/trace/abc',
    );
    expect(traceUrl('javascript:alert({traceId})', 'abc')).toBeUndefined();
    expect(traceUrl('https://x.example/', 'abc')).toBeUndefined();
    expect(traceUrl(undefined, 'abc')).toBeUndefined();
  });
});

describe('permissions', () => {
  it.each(Object.entries(ACTION_ROLES))('%s needs %s', (action, role) => {
    const allowed = (['viewer', 'operator', 'admin'] as const).filter((candidate) =>
      can(candidate, action as never),
    );
    expect(allowed[0]).toBe(role);
    expect(can('viewer', action as never)).toBe(false);
    expect(can('admin', action as never)).toBe(true);
    expect(can(undefined, action as never)).toBe(false);
  });
});

describe('overview model', () => {
  it('asks minute buckets up to a day and hour buckets for a week', () => {
    const now = Date.UTC(2026, 0, 8);
    expect(historyWindow('hour', now)).toEqual({
      from: '2026-01-07T23:00:00.000Z',
      to: '2026-01-08T00:00:00.000Z',
      bucket: '1m',
    });
    expect(historyWindow('day', now).bucket).toBe('1m');
    expect(historyWindow('week', now)).toEqual({
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-01-08T00:00:00.000Z',
      bucket: '1h',
    });
  });

  it('turns buckets into per-minute rates', () => {
    const point = {
      at: '2026-01-01T00:00:00.000Z',
      completed: 120,
      failed: 6,
      retried: 3,
      durationP50Ms: null,
      durationP95Ms: null,
    };
    expect(perMinute({ bucket: '1h', from: '', to: '', points: [point] })).toEqual({
      times: [Date.UTC(2026, 0, 1) / 1000],
      completed: [2],
      failed: [0.1],
      retried: [0.05],
    });
    expect(perMinute({ bucket: '1m', from: '', to: '', points: [point] }).completed).toEqual([120]);
  });

  it('flags queues with pending jobs and no worker, unless paused', () => {
    const queue = (name: string, pending: number, workers: number, paused = false): QueueSummary => ({
      queue: name,
      counts: { scheduled: 0, pending, running: 0, retrying: 0, completed: 0, failed: 0, cancelled: 0 },
      oldestPendingAgeMs: pending ? 1000 : null,
      paused,
      workers,
      jobsPerMinute: 0,
    });
    expect(
      unattendedQueues([queue('a', 3, 0), queue('b', 0, 0), queue('c', 3, 1), queue('d', 3, 0, true)]).map(
        (q) => q.queue,
      ),
    ).toEqual(['a']);
  });
});

describe('runtime config', () => {
  it('fills the gaps and refuses unknown modes and bad templates', () => {
    expect(normalizeConfig(undefined)).toEqual({ apiBaseUrl: '', basePath: '', auth: 'token' });
    expect(normalizeConfig({ apiBaseUrl: '/api/', basePath: '/admin', auth: 'session' })).toEqual({
      apiBaseUrl: '/api',
      basePath: '/admin',
      auth: 'session',
    });
    expect(normalizeConfig({ auth: 'magic' as never }).auth).toBe('token');
    expect(normalizeConfig({ traceUrlTemplate: 'https://t/{traceId}' }).traceUrlTemplate).toBe(
      'https://t/{traceId}',
    );
    expect(normalizeConfig({ traceUrlTemplate: 'https://t/' }).traceUrlTemplate).toBeUndefined();
  });
});

describe('format', () => {
  it.each([
    [850, '850 ms'],
    [1500, '1.5 s'],
    [45_000, '45 s'],
    [125_000, '2 min 5 s'],
    [3_720_000, '1 h 2 min'],
    [90_000_000, '1 d 1 h'],
  ])('formatDuration(%d) is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('relative times and cadences', () => {
    const now = Date.parse('2026-01-01T00:00:10.000Z');
    expect(formatRelative('2026-01-01T00:00:05.000Z', now)).toBe('5.0 s ago');
    expect(formatRelative('2026-01-01T00:01:10.000Z', now)).toBe('in 1 min');
    expect(formatRelative(undefined, now)).toBe('—');
    expect(formatCadence({ everyMs: 30_000 })).toBe('every 30 s');
    expect(formatCadence({ cron: '0 3 * * *' })).toBe('0 3 * * *');
  });
});
