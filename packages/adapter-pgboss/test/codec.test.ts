import { MalformedJobError } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { decodeJob, fromPgBossPriority, type JobRow, toJobState, toPgBossPriority } from '../src/codec.js';
import { parseNotification } from '../src/notify.js';
import { resolveOptions } from '../src/options.js';

const NOW = Date.UTC(2030, 0, 1);

function row(overrides: Partial<JobRow> = {}): JobRow {
  return {
    id: '01a20000-0000-7000-8000-000000000001',
    name: 'q',
    data: { n: 1 },
    priority: 4,
    state: 'created',
    retry_count: 0,
    start_after: new Date(NOW),
    created_on: new Date(NOW - 1000),
    started_on: null,
    completed_on: null,
    output: null,
    no_output: true,
    singleton_key: null,
    sy_task: 'task',
    sy_max_attempts: 3,
    sy_options: null,
    sy_metadata: null,
    sy_progress: null,
    sy_error: null,
    sy_cancel_requested: false,
    sy_redelivered: false,
    sy_lease_token: null,
    retry_limit: 2,
    retry_delay: 0,
    retry_backoff: false,
    ...overrides,
  };
}

describe('codec', () => {
  it.each([
    [0, 9],
    [5, 4],
    [9, 0],
  ])(
    'Switchyard priority %i is pg-boss priority %i (pg-boss runs higher first), and back',
    (switchyard, pgboss) => {
      expect(toPgBossPriority(switchyard)).toBe(pgboss);
      expect(fromPgBossPriority(pgboss)).toBe(switchyard);
    },
  );

  it.each([
    ['created', NOW + 1, 'scheduled'],
    ['created', NOW, 'pending'],
    ['retry', NOW + 1, 'retrying'],
    ['retry', NOW - 1, 'pending'],
    ['active', NOW + 1, 'running'],
    ['completed', NOW, 'completed'],
    ['failed', NOW, 'failed'],
    ['cancelled', NOW, 'cancelled'],
  ] as const)('pg-boss state %s with start_after %i reads as %s', (state, startAfter, expected) => {
    expect(toJobState(state, startAfter, NOW)).toBe(expected);
  });

  it('decodes a row into a record; NULL options/metadata are empty; JSON null output is a result', () => {
    const { job, malformed } = decodeJob(
      row({ state: 'completed', output: null, no_output: false, singleton_key: 'k' }),
      NOW,
    );
    expect(malformed).toBeUndefined();
    expect(job).toMatchObject({
      id: row().id,
      task: 'task',
      queue: 'q',
      priority: 5,
      state: 'completed',
      metadata: {},
      uniqueKey: 'k',
    });
    expect(job).toHaveProperty('result', null);
    expect(decodeJob(row(), NOW).job).not.toHaveProperty('result');
  });

  it.each([
    ['a missing task', { sy_task: null }],
    ['metadata that is not an object', { sy_metadata: 'x' }],
    ['a non-string metadata value', { sy_metadata: { a: 1 } }],
    ['options that are not an object', { sy_options: [1] }],
    ['a stored error without name/message', { sy_error: { oops: true } }],
  ])('a row with %s is malformed but still yields its id and queue', (_label, overrides) => {
    const { job, malformed } = decodeJob(row(overrides as Partial<JobRow>), NOW);
    expect(malformed).toBeInstanceOf(MalformedJobError);
    expect(malformed?.message).toContain(row().id);
    expect(job).toMatchObject({ id: row().id, queue: 'q' });
  });
});

describe('notifications', () => {
  it.each([
    ['emails|1893456000000', { kind: 'ready', queue: 'emails', readyAt: 1893456000000 }],
    ['a|b|0', { kind: 'ready', queue: 'a|b', readyAt: 0 }],
    ['!cancel|01a2', { kind: 'cancel', jobId: '01a2' }],
    ['garbage', null],
    ['q|soon', null],
  ])('%s parses as %j', (payload, expected) => {
    expect(parseNotification(payload)).toEqual(expected);
  });
});

describe('options', () => {
  it('applies defaults', () => {
    expect(resolveOptions({ connectionString: 'postgres://x' })).toMatchObject({
      schema: 'switchyard',
      pollIntervalMs: 1000,
      fetchBatchSize: 100,
      maxConnections: 10,
      applicationName: 'switchyard-pgboss',
    });
  });

  it.each([
    [{}, /connectionString/],
    [{ connectionString: 'x', schema: 'Bad-Name' }, /schema/],
    [{ connectionString: 'x', pollIntervalMs: 0 }, /pollIntervalMs/],
    [{ connectionString: 'x', fetchBatchSize: 1.5 }, /fetchBatchSize/],
  ])('rejects %j with InvalidOptionsError', (options, message) => {
    expect(() => resolveOptions(options)).toThrow(message);
    expect(() => resolveOptions(options)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
  });
});
