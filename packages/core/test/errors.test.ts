import { describe, expect, it } from 'vitest';
import {
  AdapterError,
  CapabilityError,
  ClosedError,
  DuplicateJobError,
  HandlerError,
  InvalidOptionsError,
  JobCancelledError,
  JobTimeoutError,
  LeaseExpiredError,
  MalformedJobError,
  NonRetryableError,
  NotStartedError,
  PayloadTooLargeError,
  RetryAfterError,
  SwitchyardError,
  type SwitchyardErrorCode,
  serializeError,
  toError,
  UnknownTaskError,
  ValidationError,
  WaitTimeoutError,
} from '../src/errors.js';

const cause = new Error('root cause');

describe('error classes', () => {
  it.each<[SwitchyardError, string, SwitchyardErrorCode, string]>([
    [
      new ValidationError('bad payload', [{ message: 'x', path: ['a'] }]),
      'ValidationError',
      'VALIDATION_FAILED',
      'bad payload',
    ],
    [
      new DuplicateJobError('job-1', 'order-7'),
      'DuplicateJobError',
      'DUPLICATE_JOB',
      'an unfinished job already holds unique key "order-7": job-1',
    ],
    [
      new DuplicateJobError('job-1'),
      'DuplicateJobError',
      'DUPLICATE_JOB',
      'an unfinished job already holds this id: job-1',
    ],
    [
      new PayloadTooLargeError(300, 256),
      'PayloadTooLargeError',
      'PAYLOAD_TOO_LARGE',
      'payload is 300 bytes; the limit is 256 bytes',
    ],
    [new UnknownTaskError('send-email'), 'UnknownTaskError', 'UNKNOWN_TASK', 'unknown task "send-email"'],
    [
      new CapabilityError('sqs', 'priority', 'priorities are not supported'),
      'CapabilityError',
      'CAPABILITY_UNSUPPORTED',
      'sqs: priorities are not supported (capability "priority")',
    ],
    [new InvalidOptionsError('bad cron'), 'InvalidOptionsError', 'INVALID_OPTIONS', 'bad cron'],
    [new JobTimeoutError(5000), 'JobTimeoutError', 'JOB_TIMEOUT', 'job timed out after 5000 ms'],
    [new JobCancelledError(), 'JobCancelledError', 'JOB_CANCELLED', 'job was cancelled'],
    [
      new LeaseExpiredError(),
      'LeaseExpiredError',
      'LEASE_EXPIRED',
      'the lease on this job expired before it finished',
    ],
    [
      new NotStartedError('worker'),
      'NotStartedError',
      'NOT_STARTED',
      'worker is not started; call start() first',
    ],
    [new ClosedError('yard'), 'ClosedError', 'CLOSED', 'yard is closed'],
    [
      new AdapterError('bullmq', 'connection refused'),
      'AdapterError',
      'ADAPTER_ERROR',
      'bullmq: connection refused',
    ],
    [new MalformedJobError('corrupt row'), 'MalformedJobError', 'MALFORMED_JOB', 'corrupt row'],
    [new NonRetryableError('card declined'), 'NonRetryableError', 'NON_RETRYABLE', 'card declined'],
    [new RetryAfterError('30s'), 'RetryAfterError', 'RETRY_AFTER', 'retry after 30s'],
    [new RetryAfterError(100, 'rate limited'), 'RetryAfterError', 'RETRY_AFTER', 'rate limited'],
    [new HandlerError('oops'), 'HandlerError', 'HANDLER_ERROR', 'handler threw a non-Error value: oops'],
    [
      new WaitTimeoutError('job-1', 1000),
      'WaitTimeoutError',
      'WAIT_TIMEOUT',
      'job job-1 did not finish within 1000 ms',
    ],
  ])('%s', (error, name, code, message) => {
    expect(error).toBeInstanceOf(SwitchyardError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
    expect(error.message).toBe(message);
    expect(SwitchyardError.is(error)).toBe(true);
    expect(SwitchyardError.hasCode(error, code)).toBe(true);
  });

  it.each<[string, SwitchyardError]>([
    ['InvalidOptionsError', new InvalidOptionsError('x', { cause })],
    ['AdapterError', new AdapterError('pg', 'x', { cause })],
    ['MalformedJobError', new MalformedJobError('x', { cause })],
    ['NonRetryableError', new NonRetryableError('x', { cause })],
    ['RetryAfterError', new RetryAfterError(1, 'x', { cause })],
  ])('%s keeps its cause', (_name, error) => {
    expect(error.cause).toBe(cause);
  });

  it('keeps the extra fields callers rely on', () => {
    expect(new DuplicateJobError('job-1', 'k')).toMatchObject({ existingJobId: 'job-1', uniqueKey: 'k' });
    expect(new PayloadTooLargeError(10, 5)).toMatchObject({ sizeBytes: 10, limitBytes: 5 });
    expect(new RetryAfterError('2m')).toMatchObject({ delay: '2m' });
    expect(new JobTimeoutError(7)).toMatchObject({ timeoutMs: 7 });
    expect(new WaitTimeoutError('j', 9)).toMatchObject({ jobId: 'j', timeoutMs: 9 });
    expect(new CapabilityError('a', 'cap', 'd')).toMatchObject({ adapter: 'a', capability: 'cap' });
    expect(new AdapterError('a', 'm')).toMatchObject({ adapter: 'a' });
    expect(new UnknownTaskError('t')).toMatchObject({ task: 't' });
    expect(new HandlerError(42)).toMatchObject({ thrown: 42 });
    expect(new ValidationError('m').issues).toEqual([]);
  });
});

describe('SwitchyardError.is / hasCode', () => {
  // A second installed copy of core has different classes but the same Symbol.for marker.
  const foreign = Object.assign(new Error('from another copy'), {
    code: 'NON_RETRYABLE',
    [Symbol.for('switchyard.error')]: true,
  });

  it.each<[string, unknown, boolean]>([
    ['a Switchyard error', new ClosedError('yard'), true],
    ['an error from another copy of the package', foreign, true],
    ['a plain Error', new Error('x'), false],
    ['an Error with a code but no marker', Object.assign(new Error('x'), { code: 'CLOSED' }), false],
    ['a marker set to something other than true', { [Symbol.for('switchyard.error')]: 'yes' }, false],
    ['null', null, false],
    ['undefined', undefined, false],
    ['a string', 'CLOSED', false],
  ])('is(%s) -> %s', (_name, value, expected) => {
    expect(SwitchyardError.is(value)).toBe(expected);
  });

  it.each<[string, unknown, SwitchyardErrorCode, boolean]>([
    ['matching code', new NonRetryableError('x'), 'NON_RETRYABLE', true],
    ['other code', new NonRetryableError('x'), 'RETRY_AFTER', false],
    ['foreign copy, matching code', foreign, 'NON_RETRYABLE', true],
    [
      'plain error with a look-alike code',
      Object.assign(new Error('x'), { code: 'NON_RETRYABLE' }),
      'NON_RETRYABLE',
      false,
    ],
  ])('hasCode: %s -> %s', (_name, value, code, expected) => {
    expect(SwitchyardError.hasCode(value, code)).toBe(expected);
  });
});

describe('HandlerError describes what was thrown', () => {
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  it.each<[string, unknown, string]>([
    ['a string', 'oops', 'oops'],
    ['a number', 42, '42'],
    ['an object', { reason: 'x' }, '{"reason":"x"}'],
    ['undefined', undefined, 'undefined'],
    ['null', null, 'null'],
    ['a symbol', Symbol('s'), 'Symbol(s)'],
    ['a circular object (cannot be stringified)', circular, '[object Object]'],
    ['a long string is cut at 200 characters', 'x'.repeat(500), 'x'.repeat(200)],
  ])('%s', (_name, thrown, description) => {
    expect(new HandlerError(thrown).message).toBe(`handler threw a non-Error value: ${description}`);
  });
});

describe('toError', () => {
  it('returns an Error unchanged', () => {
    const error = new TypeError('x');
    expect(toError(error)).toBe(error);
  });

  it.each([
    ['a string', 'boom'],
    ['undefined', undefined],
    ['an object', { a: 1 }],
  ])('wraps %s in HandlerError', (_name, thrown) => {
    const error = toError(thrown);
    expect(error).toBeInstanceOf(HandlerError);
    expect((error as HandlerError).thrown).toBe(thrown);
  });
});

describe('serializeError', () => {
  it('keeps name, message, code and stack of a Switchyard error', () => {
    const error = new NonRetryableError('card declined');
    expect(serializeError(error)).toEqual({
      name: 'NonRetryableError',
      message: 'card declined',
      code: 'NON_RETRYABLE',
      stack: error.stack,
    });
  });

  it('keeps a string code of a foreign error (e.g. a Node system error)', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(serializeError(error)).toMatchObject({ name: 'Error', code: 'ECONNREFUSED' });
  });

  it('drops a non-string code', () => {
    const error = Object.assign(new Error('x'), { code: 500 });
    expect(serializeError(error)).not.toHaveProperty('code');
  });

  it('omits a missing stack', () => {
    const error = new Error('x');
    error.stack = undefined;
    expect(serializeError(error)).toEqual({ name: 'Error', message: 'x' });
  });

  it('serializes a thrown non-Error as HandlerError', () => {
    expect(serializeError('boom')).toMatchObject({
      name: 'HandlerError',
      message: 'handler threw a non-Error value: boom',
      code: 'HANDLER_ERROR',
    });
  });

  it('is plain JSON', () => {
    const serialized = serializeError(new AdapterError('pg', 'down', { cause }));
    expect(JSON.parse(JSON.stringify(serialized))).toEqual(serialized);
  });
});
