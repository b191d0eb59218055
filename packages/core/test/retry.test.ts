import { describe, expect, it } from 'vitest';
import { InvalidOptionsError, NonRetryableError, RetryAfterError, SwitchyardError } from '../src/errors.js';
import type { BackoffSpec } from '../src/job.js';
import {
  type BackoffFunction,
  type BackoffOption,
  backoffDelay,
  DEFAULT_ATTEMPTS,
  DEFAULT_BACKOFF,
  decideRetry,
  normalizeAttempts,
  normalizeBackoff,
} from '../src/retry.js';

const boom = new Error('boom');
const noRandom = () => {
  throw new Error('random() must not be called without jitter');
};

describe('normalizeAttempts', () => {
  it.each([
    [undefined, DEFAULT_ATTEMPTS],
    ['unlimited', null],
    [1, 1],
    [3, 3],
    [1000, 1000],
  ] as const)('%s -> %s', (input, expected) => {
    expect(normalizeAttempts(input)).toBe(expected);
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 'forever', '3', null])('rejects %s', (input) => {
    expect(() => normalizeAttempts(input as never)).toThrow(InvalidOptionsError);
  });

  it('defaults to 3 attempts', () => {
    expect(DEFAULT_ATTEMPTS).toBe(3);
  });
});

describe('normalizeBackoff', () => {
  it('has the documented default', () => {
    expect(DEFAULT_BACKOFF).toEqual({
      type: 'exponential',
      delay: 1000,
      factor: 2,
      max: 3_600_000,
      jitter: 'none',
    });
  });

  it.each<[string, BackoffOption | undefined, BackoffSpec]>([
    ['undefined', undefined, DEFAULT_BACKOFF],
    ["'exponential'", 'exponential', DEFAULT_BACKOFF],
    ["'fixed'", 'fixed', { type: 'fixed', delay: 1000, jitter: 'none' }],
    [
      'fixed object with string delay',
      { type: 'fixed', delay: '30s' },
      { type: 'fixed', delay: 30_000, jitter: 'none' },
    ],
    [
      'fixed object with jitter',
      { type: 'fixed', delay: 500, jitter: 'full' },
      { type: 'fixed', delay: 500, jitter: 'full' },
    ],
    [
      'exponential object, defaults',
      { type: 'exponential', delay: '1s' },
      { type: 'exponential', delay: 1000, factor: 2, jitter: 'none' },
    ],
    [
      'exponential object, everything set',
      { type: 'exponential', delay: '250ms', factor: 3, max: '2m', jitter: 'equal' },
      { type: 'exponential', delay: 250, factor: 3, max: 120_000, jitter: 'equal' },
    ],
    [
      'factor of exactly 1',
      { type: 'exponential', delay: 10, factor: 1 },
      { type: 'exponential', delay: 10, factor: 1, jitter: 'none' },
    ],
    ['zero delay', { type: 'fixed', delay: 0 }, { type: 'fixed', delay: 0, jitter: 'none' }],
    [
      'list of strings',
      ['1m', '2m', '4m'],
      { type: 'list', delays: [60_000, 120_000, 240_000], jitter: 'none' },
    ],
    ['list of mixed durations', [100, '1s'], { type: 'list', delays: [100, 1000], jitter: 'none' }],
    ['list with one entry', ['5s'], { type: 'list', delays: [5000], jitter: 'none' }],
    ['comma string', '1m,2m,4m', { type: 'list', delays: [60_000, 120_000, 240_000], jitter: 'none' }],
    ['comma string with spaces', '1s, 2s , 3s', { type: 'list', delays: [1000, 2000, 3000], jitter: 'none' }],
    ['single duration string = fixed', '5s', { type: 'fixed', delay: 5000, jitter: 'none' }],
    ['single duration string in ms', '250ms', { type: 'fixed', delay: 250, jitter: 'none' }],
  ])('%s', (_name, input, expected) => {
    expect(normalizeBackoff(input)).toEqual(expected);
  });

  it.each<[string, BackoffSpec]>([
    ['fixed', { type: 'fixed', delay: 10, jitter: 'full' }],
    ['exponential', { type: 'exponential', delay: 10, factor: 2, max: 100, jitter: 'equal' }],
    ['list', { type: 'list', delays: [1, 2, 3], jitter: 'none' }],
  ])('is idempotent on a stored %s spec', (_name, spec) => {
    expect(normalizeBackoff(spec)).toEqual(spec);
    expect(normalizeBackoff(normalizeBackoff(spec) as BackoffSpec)).toEqual(spec);
  });

  it('keeps a function as is', () => {
    const fn: BackoffFunction = (attempt) => attempt * 100;
    expect(normalizeBackoff(fn)).toBe(fn);
  });

  it('returns a fresh copy of the default, so callers cannot mutate it', () => {
    const spec = normalizeBackoff(undefined) as BackoffSpec;
    expect(spec).not.toBe(DEFAULT_BACKOFF);
    expect(Object.isFrozen(DEFAULT_BACKOFF)).toBe(true);
  });

  it.each<[string, unknown]>([
    ['factor below 1', { type: 'exponential', delay: 100, factor: 0.5 }],
    ['factor NaN', { type: 'exponential', delay: 100, factor: Number.NaN }],
    ['factor Infinity', { type: 'exponential', delay: 100, factor: Number.POSITIVE_INFINITY }],
    ['factor as string', { type: 'exponential', delay: 100, factor: '2' }],
    ['negative delay', { type: 'fixed', delay: -1 }],
    ['missing delay', { type: 'fixed' }],
    ['bad delay string', { type: 'fixed', delay: '5 minutes' }],
    ['negative max', { type: 'exponential', delay: 100, max: -5 }],
    ['unknown jitter', { type: 'fixed', delay: 100, jitter: 'random' }],
    ['unknown type', { type: 'linear', delay: 100 }],
    ['missing type', { delay: 100 }],
    ['empty list', []],
    ['list with a bad entry', ['1s', 'soon']],
    ['list with a negative entry', ['1s', -1]],
    ['list spec without delays', { type: 'list' }],
    ['bad single string', 'soon'],
    ['empty string', ''],
    ['comma string with an empty entry', '1s,,2s'],
    ['trailing comma', '1s,'],
    ['bare number', 1000],
    ['null', null],
  ])('rejects %s', (_name, input) => {
    expect(() => normalizeBackoff(input as BackoffOption)).toThrow(InvalidOptionsError);
  });
});

describe('backoffDelay', () => {
  const exponential: BackoffSpec = {
    type: 'exponential',
    delay: 1000,
    factor: 2,
    max: 10_000,
    jitter: 'none',
  };

  it.each<[string, BackoffSpec, number, number]>([
    ['fixed, attempt 1', { type: 'fixed', delay: 500 }, 1, 500],
    ['fixed, attempt 9', { type: 'fixed', delay: 500 }, 9, 500],
    ['exponential, attempt 1', exponential, 1, 1000],
    ['exponential, attempt 2', exponential, 2, 2000],
    ['exponential, attempt 3', exponential, 3, 4000],
    ['exponential, attempt 4', exponential, 4, 8000],
    ['exponential, capped at max', exponential, 5, 10_000],
    ['exponential, far past max', exponential, 500, 10_000],
    ['exponential, factor defaults to 2', { type: 'exponential', delay: 100 }, 3, 400],
    ['exponential, factor 1 is constant', { type: 'exponential', delay: 100, factor: 1 }, 7, 100],
    ['exponential, fractional factor is rounded', { type: 'exponential', delay: 100, factor: 1.5 }, 2, 150],
    ['exponential, fractional result rounds', { type: 'exponential', delay: 3, factor: 1.5 }, 3, 7],
    [
      'exponential, max below delay caps the first attempt',
      { type: 'exponential', delay: 1000, max: 10 },
      1,
      10,
    ],
    ['list, first entry', { type: 'list', delays: [10, 20, 40] }, 1, 10],
    ['list, second entry', { type: 'list', delays: [10, 20, 40] }, 2, 20],
    ['list, last entry', { type: 'list', delays: [10, 20, 40] }, 3, 40],
    ['list, last entry repeats', { type: 'list', delays: [10, 20, 40] }, 10, 40],
    ['default backoff attempt 1', DEFAULT_BACKOFF, 1, 1000],
    ['default backoff attempt 13 is capped at 1h', DEFAULT_BACKOFF, 13, 3_600_000],
  ])('%s', (_name, spec, attempt, expected) => {
    expect(backoffDelay(spec, attempt, boom, noRandom)).toBe(expected);
  });

  it('keeps an uncapped exponential with unlimited attempts finite', () => {
    const delay = backoffDelay({ type: 'exponential', delay: 1000 }, 5000, boom, noRandom);
    expect(Number.isFinite(delay)).toBe(true);
    expect(delay).toBe(365 * 86_400_000);
  });

  it.each<[string, number, number, number]>([
    // [jitter mode name, base delay, random(), expected]
    ['full, random 0', 1000, 0, 0],
    ['full, random 0.5', 1000, 0.5, 500],
    ['full, random just below 1', 1000, 0.9999, 999],
    ['equal, random 0', 1000, 0, 500],
    ['equal, random 0.5', 1000, 0.5, 750],
    ['equal, random just below 1', 1000, 0.9999, 999],
    ['equal, odd delay stays an integer', 1001, 0.5, 750],
  ])('jitter %s', (name, delay, random, expected) => {
    const jitter = name.startsWith('full') ? 'full' : 'equal';
    const result = backoffDelay({ type: 'fixed', delay, jitter }, 1, boom, () => random);
    expect(result).toBe(expected);
    expect(Number.isInteger(result)).toBe(true);
  });

  it('jitters the capped exponential value, not the raw one', () => {
    const spec: BackoffSpec = { type: 'exponential', delay: 1000, max: 4000, jitter: 'full' };
    expect(backoffDelay(spec, 10, boom, () => 0.5)).toBe(2000);
  });

  it('jitters list entries', () => {
    expect(backoffDelay({ type: 'list', delays: [100, 200], jitter: 'equal' }, 2, boom, () => 0)).toBe(100);
  });

  it('passes attempt and error to a function and parses its duration', () => {
    const seen: Array<[number, Error]> = [];
    const fn: BackoffFunction = (attempt, error) => {
      seen.push([attempt, error]);
      return attempt === 1 ? '2s' : attempt * 10;
    };
    expect(backoffDelay(fn, 1, boom, noRandom)).toBe(2000);
    expect(backoffDelay(fn, 4, boom, noRandom)).toBe(40);
    expect(seen).toEqual([
      [1, boom],
      [4, boom],
    ]);
  });

  it.each([
    ['negative number', -5],
    ['garbage string', 'later'],
    ['NaN', Number.NaN],
  ])('rejects a function returning %s', (_name, returned) => {
    expect(() => backoffDelay(() => returned, 1, boom, noRandom)).toThrow(InvalidOptionsError);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects attempt %s', (attempt) => {
    expect(() => backoffDelay(DEFAULT_BACKOFF, attempt, boom, noRandom)).toThrow(InvalidOptionsError);
  });
});

describe('decideRetry', () => {
  const backoff: BackoffSpec = { type: 'list', delays: [100, 200, 300] };
  const base = { backoff, random: noRandom };

  it.each<[string, Parameters<typeof decideRetry>[0], ReturnType<typeof decideRetry>]>([
    [
      'retries a plain error with backoff',
      { ...base, attempt: 1, maxAttempts: 3, error: boom },
      { action: 'retry', delayMs: 100 },
    ],
    [
      'uses the attempt number for backoff',
      { ...base, attempt: 2, maxAttempts: 3, error: boom },
      { action: 'retry', delayMs: 200 },
    ],
    [
      'fails when the last attempt failed',
      { ...base, attempt: 3, maxAttempts: 3, error: boom },
      { action: 'fail', reason: 'exhausted' },
    ],
    [
      'fails past the budget (attempt counted twice after a lease loss)',
      { ...base, attempt: 4, maxAttempts: 3, error: boom },
      { action: 'fail', reason: 'exhausted' },
    ],
    [
      'single attempt never retries',
      { ...base, attempt: 1, maxAttempts: 1, error: boom },
      { action: 'fail', reason: 'exhausted' },
    ],
    [
      'unlimited attempts keep retrying',
      { ...base, attempt: 10_000, maxAttempts: null, error: boom },
      { action: 'retry', delayMs: 300 },
    ],
    [
      'NonRetryableError fails at once',
      { ...base, attempt: 1, maxAttempts: 5, error: new NonRetryableError('bad input') },
      { action: 'fail', reason: 'non-retryable' },
    ],
    [
      'NonRetryableError beats exhausted',
      { ...base, attempt: 5, maxAttempts: 5, error: new NonRetryableError('bad input') },
      { action: 'fail', reason: 'non-retryable' },
    ],
    [
      'NonRetryableError with unlimited attempts',
      { ...base, attempt: 1, maxAttempts: null, error: new NonRetryableError('x') },
      { action: 'fail', reason: 'non-retryable' },
    ],
    [
      'RetryAfterError in ms',
      { ...base, attempt: 1, maxAttempts: 3, error: new RetryAfterError(1234) },
      { action: 'retry', delayMs: 1234 },
    ],
    [
      'RetryAfterError as a duration string',
      { ...base, attempt: 1, maxAttempts: 3, error: new RetryAfterError('2m') },
      { action: 'retry', delayMs: 120_000 },
    ],
    [
      'RetryAfterError of zero',
      { ...base, attempt: 1, maxAttempts: 3, error: new RetryAfterError(0) },
      { action: 'retry', delayMs: 0 },
    ],
    [
      'RetryAfterError cannot exceed the budget',
      { ...base, attempt: 3, maxAttempts: 3, error: new RetryAfterError('1s') },
      { action: 'fail', reason: 'exhausted' },
    ],
    [
      'RetryAfterError ignores retryOn',
      { ...base, attempt: 1, maxAttempts: 3, error: new RetryAfterError('1s'), retryOn: () => false },
      { action: 'retry', delayMs: 1000 },
    ],
    [
      'retryOn false fails',
      { ...base, attempt: 1, maxAttempts: 3, error: boom, retryOn: () => false },
      { action: 'fail', reason: 'retry-on' },
    ],
    [
      'retryOn true retries',
      { ...base, attempt: 1, maxAttempts: 3, error: boom, retryOn: () => true },
      { action: 'retry', delayMs: 100 },
    ],
    [
      'exhausted is reported before retryOn',
      { ...base, attempt: 3, maxAttempts: 3, error: boom, retryOn: () => false },
      { action: 'fail', reason: 'exhausted' },
    ],
    [
      'NonRetryableError is reported before retryOn',
      { ...base, attempt: 1, maxAttempts: 3, error: new NonRetryableError('x'), retryOn: () => true },
      { action: 'fail', reason: 'non-retryable' },
    ],
  ])('%s', (_name, input, expected) => {
    expect(decideRetry(input)).toEqual(expected);
  });

  it('recognizes the codes of errors from another copy of the package', () => {
    // A second installed copy has its own classes but the same Symbol.for marker and code.
    class ForeignRetryAfter extends SwitchyardError {
      readonly delay = '3s';
      constructor() {
        super('RETRY_AFTER', 'slow down');
      }
    }
    class ForeignNonRetryable extends SwitchyardError {
      constructor() {
        super('NON_RETRYABLE', 'nope');
      }
    }
    expect(decideRetry({ ...base, attempt: 1, maxAttempts: 3, error: new ForeignRetryAfter() })).toEqual({
      action: 'retry',
      delayMs: 3000,
    });
    expect(decideRetry({ ...base, attempt: 1, maxAttempts: 3, error: new ForeignNonRetryable() })).toEqual({
      action: 'fail',
      reason: 'non-retryable',
    });
  });

  it('does not treat a plain error with a look-alike code as non-retryable', () => {
    const lookAlike = Object.assign(new Error('x'), { code: 'NON_RETRYABLE' });
    expect(decideRetry({ ...base, attempt: 1, maxAttempts: 3, error: lookAlike })).toEqual({
      action: 'retry',
      delayMs: 100,
    });
  });

  it('passes the error to retryOn', () => {
    const seen: Error[] = [];
    decideRetry({
      ...base,
      attempt: 1,
      maxAttempts: 3,
      error: boom,
      retryOn: (error) => {
        seen.push(error);
        return true;
      },
    });
    expect(seen).toEqual([boom]);
  });

  it('uses the injected random for jitter', () => {
    const decision = decideRetry({
      attempt: 1,
      maxAttempts: 3,
      error: boom,
      backoff: { type: 'fixed', delay: 1000, jitter: 'full' },
      random: () => 0.25,
    });
    expect(decision).toEqual({ action: 'retry', delayMs: 250 });
  });

  it('throws InvalidOptionsError for a RetryAfterError with a malformed delay', () => {
    expect(() =>
      decideRetry({ ...base, attempt: 1, maxAttempts: 3, error: new RetryAfterError('soon') }),
    ).toThrow(InvalidOptionsError);
  });
});
