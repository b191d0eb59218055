/** The CLI's pure parts, table-driven: error classes, flag parsing, formatting, chart, doctor checks. */
import {
  AdapterError,
  BackendUnavailableError,
  CapabilityError,
  InvalidOptionsError,
  UnknownTaskError,
  ValidationError,
  WaitTimeoutError,
} from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { downsample, renderChart, sparkline } from '../src/chart.js';
import {
  checkQueuesHaveWorkers,
  checkTaskHandlers,
  checkWorkerVersions,
  doctorExitCode,
} from '../src/doctor-checks.js';
import {
  CliError,
  classifyError,
  ExitCode,
  exitCodeForStatus,
  notFoundError,
  usageError,
} from '../src/exit-codes.js';
import { formatBulkProgress, formatDurationMs, formatRelative } from '../src/format.js';
import {
  parseDateOption,
  parseDurationOption,
  parseIntegerOption,
  parseJsonOption,
  parseKeyValues,
  parseStatesOption,
} from '../src/parse-options.js';

describe('classifyError', () => {
  const connectionRefused = Object.assign(new TypeError('fetch failed'), {
    cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
  });
  it.each([
    ['usage error', usageError('bad'), 2, 'USAGE'],
    ['not found', notFoundError('gone'), 3, 'NOT_FOUND'],
    ['validation', new ValidationError('payload invalid'), 2, 'VALIDATION_FAILED'],
    ['unknown task', new UnknownTaskError('x'), 2, 'UNKNOWN_TASK'],
    ['invalid options', new InvalidOptionsError('bad duration'), 2, 'INVALID_OPTIONS'],
    ['adapter error', new AdapterError('bullmq', 'connection lost'), 5, 'ADAPTER_ERROR'],
    ['backend unavailable', new BackendUnavailableError('bullmq', 'down'), 5, 'BACKEND_UNAVAILABLE'],
    ['capability', new CapabilityError('x', 'specVersion 2', 'no'), 1, 'CAPABILITY_UNSUPPORTED'],
    ['wait timeout', new WaitTimeoutError('id', 10), 1, 'WAIT_TIMEOUT'],
    ['http 401', Object.assign(new Error('unauthorized'), { status: 401 }), 4, 'HTTP_401'],
    ['http 403', Object.assign(new Error('forbidden'), { status: 403 }), 4, 'HTTP_403'],
    ['http 404', Object.assign(new Error('not found'), { status: 404 }), 3, 'HTTP_404'],
    ['http 400', Object.assign(new Error('bad request'), { status: 400 }), 2, 'HTTP_400'],
    ['http 503', Object.assign(new Error('unavailable'), { status: 503 }), 5, 'HTTP_503'],
    ['http 409', Object.assign(new Error('conflict'), { status: 409 }), 1, 'HTTP_409'],
    [
      'api duplicate',
      Object.assign(new Error('held'), { status: 409, code: 'DUPLICATE_JOB' }),
      1,
      'DUPLICATE_JOB',
    ],
    [
      'api unknown task',
      Object.assign(new Error('x'), { status: 422, code: 'UNKNOWN_TASK' }),
      2,
      'UNKNOWN_TASK',
    ],
    ['api forbidden', Object.assign(new Error('x'), { status: 403, code: 'FORBIDDEN' }), 4, 'FORBIDDEN'],
    [
      'api backend down',
      Object.assign(new Error('x'), { status: 503, code: 'ADAPTER_ERROR' }),
      5,
      'ADAPTER_ERROR',
    ],
    ['socket refused', connectionRefused, 5, 'UNREACHABLE'],
    ['anything else', new Error('boom'), 1, 'FAILED'],
    ['a thrown string', 'boom', 1, 'FAILED'],
  ])('%s', (_, error, exitCode, code) => {
    expect(classifyError(error)).toEqual({ exitCode, code });
  });

  it('keeps a CliError’s own code', () => {
    expect(classifyError(new CliError('x', ExitCode.refused, 'ROLE'))).toEqual({ exitCode: 4, code: 'ROLE' });
  });

  it.each([
    [422, 2],
    [413, 2],
    [429, 1],
    [500, 1],
    [502, 5],
  ])('HTTP %i exits %i', (status, code) => {
    expect(exitCodeForStatus(status)).toBe(code);
  });
});

describe('flag parsing', () => {
  it.each([
    ['30s', 30_000],
    ['5m', 300_000],
    ['7d', 604_800_000],
    ['250ms', 250],
    ['1500', 1500],
    [' 2h ', 7_200_000],
  ])('duration %s', (text, ms) => {
    expect(parseDurationOption(text, '--delay')).toBe(ms);
  });

  it.each(['soon', '-5s', '5 weeks', '', '1y'])('invalid duration %j names the flag', (text) => {
    expect(() => parseDurationOption(text, '--delay')).toThrow(
      `--delay: invalid duration ${JSON.stringify(text)}`,
    );
  });

  it('JSON, integers, states and key=value pairs', () => {
    expect(parseJsonOption('{"a":[1]}', '--payload')).toEqual({ a: [1] });
    expect(() => parseJsonOption('{"a":', '--payload')).toThrow(/^--payload is not valid JSON/);
    expect(parseIntegerOption('9', '--priority', 0, 9)).toBe(9);
    for (const bad of ['10', '-1', '1.5', 'x', '']) {
      expect(() => parseIntegerOption(bad, '--priority', 0, 9)).toThrow(
        '--priority must be an integer from 0 to 9',
      );
    }
    expect(parseStatesOption('failed, cancelled')).toEqual(['failed', 'cancelled']);
    expect(() => parseStatesOption('failed,done')).toThrow('--state: unknown state "done"');
    expect(() => parseStatesOption(',')).toThrow('--state needs at least one state');
    expect(parseKeyValues(['tenant=acme', 'url=a=b'], '--metadata')).toEqual({ tenant: 'acme', url: 'a=b' });
    expect(() => parseKeyValues(['=x'], '--metadata')).toThrow('--metadata takes key=value');
  });

  it('dates: ISO, or a duration meaning that long ago', () => {
    const now = Date.parse('2026-01-02T00:00:00Z');
    expect(parseDateOption('2h', '--created-after', now).toISOString()).toBe('2026-01-01T22:00:00.000Z');
    expect(parseDateOption('2025-12-31T10:00:00Z', '--created-after', now).toISOString()).toBe(
      '2025-12-31T10:00:00.000Z',
    );
    expect(() => parseDateOption('last tuesday', '--created-after', now)).toThrow(
      '--created-after: invalid date',
    );
  });

  it('every usage error exits 2', () => {
    try {
      parseIntegerOption('x', '--limit', 1, 10);
      expect.unreachable();
    } catch (error) {
      expect(classifyError(error).exitCode).toBe(2);
    }
  });
});

describe('formatting', () => {
  it.each([
    [null, '-'],
    [850, '850ms'],
    [1500, '1.5s'],
    [12_000, '12s'],
    [250_000, '4m 10s'],
    [7_500_000, '2h 5m'],
    [273_600_000, '3d 4h'],
  ])('duration %s → %s', (ms, text) => {
    expect(formatDurationMs(ms)).toBe(text);
  });

  it('relative times and bulk progress', () => {
    const now = Date.parse('2026-01-01T00:01:00Z');
    expect(formatRelative('2026-01-01T00:00:00Z', now)).toBe('1m 0s ago');
    expect(formatRelative('2026-01-01T00:01:30Z', now)).toBe('in 30s');
    expect(formatRelative(undefined, now)).toBe('-');
    expect(formatBulkProgress('retry', { matched: 10, changed: 8, requested: 1, skipped: 1 })).toBe(
      'retry: 10 matched, 8 changed, 1 cancel requested, 1 skipped',
    );
  });
});

describe('history chart', () => {
  it('downsamples by summing groups, keeping the total', () => {
    const values = Array.from({ length: 60 }, (_, index) => index % 7);
    const sampled = downsample(values, 25);
    expect(sampled).toHaveLength(25);
    expect(sampled.reduce((a, b) => a + b, 0)).toBe(values.reduce((a, b) => a + b, 0));
    expect(downsample([1, 2], 10)).toEqual([1, 2]);
  });

  it('scales bars to the peak; empty buckets are blank', () => {
    expect(sparkline([0, 1, 4, 8], 8)).toBe(' ▁▄█');
    expect(sparkline([0, 0], 0)).toBe('  ');
  });

  it('shares one scale across series and labels the axis', () => {
    const lines = renderChart(
      [
        { label: 'completed', values: [0, 4, 8] },
        { label: 'failed', values: [0, 0, 1] },
      ],
      { first: '14:00', last: '14:02' },
      80,
    );
    expect(lines[0]).toBe('completed │ ▄█│ peak 8');
    expect(lines[1]).toBe('failed    │  ▁│ peak 1');
    expect(lines[2]).toBe('           14:00 14:02');
  });
});

describe('doctor checks', () => {
  const counts = { scheduled: 0, pending: 0, running: 0, retrying: 0, completed: 0, failed: 0, cancelled: 0 };
  const queue = (name: string, pending: number, workers: number, paused = false) => ({
    queue: name,
    counts: { ...counts, pending },
    oldestPendingAgeMs: pending > 0 ? 1000 : null,
    paused,
    workers,
    jobsPerMinute: 0,
  });
  const stats = (queues: ReturnType<typeof queue>[]) => ({
    at: '2026-01-01T00:00:00.000Z',
    queues,
    totals: { counts, workers: 0, jobsPerMinute: 0 },
  });

  it.each([
    ['idle', [queue('a', 0, 0)], [['queues', 'ok']]],
    ['busy with workers', [queue('a', 3, 2)], [['queue a', 'ok']]],
    ['busy without workers', [queue('a', 3, 0)], [['queue a', 'fail']]],
    ['paused', [queue('a', 3, 0, true)], [['queue a', 'warn']]],
  ])('queues: %s', (_, queues, expected) => {
    const checks = checkQueuesHaveWorkers(stats(queues));
    expect(checks.map((check) => [check.check, check.status])).toEqual(expected);
    for (const check of checks) if (check.status !== 'ok') expect(check.fix).toBeTruthy();
  });

  it('worker versions and task handlers', () => {
    const worker = (version: string) => ({ version }) as Parameters<typeof checkWorkerVersions>[0][number];
    expect(checkWorkerVersions([], '1.0.0').status).toBe('ok');
    expect(checkWorkerVersions([worker('1.0.0')], '1.0.0').status).toBe('ok');
    expect(checkWorkerVersions([worker('1.0.0'), worker('0.9.0')], '1.0.0')).toMatchObject({
      status: 'warn',
      detail: '1 of 2 workers run @switchyard/core 0.9.0; this CLI has 1.0.0',
    });
    const task = (name: string, hasHandler: boolean) =>
      ({ name, hasHandler }) as Parameters<typeof checkTaskHandlers>[0][number];
    expect(checkTaskHandlers([]).status).toBe('warn');
    expect(checkTaskHandlers([task('a', true)]).status).toBe('ok');
    expect(checkTaskHandlers([task('a', true), task('b', false)])).toMatchObject({
      status: 'warn',
      detail: 'no handler in this config for: b',
    });
  });

  it('exits 1 only when a check failed', () => {
    expect(doctorExitCode([{ check: 'a', status: 'warn', detail: '' }])).toBe(0);
    expect(
      doctorExitCode([
        { check: 'a', status: 'ok', detail: '' },
        { check: 'b', status: 'fail', detail: '' },
      ]),
    ).toBe(1);
  });
});
