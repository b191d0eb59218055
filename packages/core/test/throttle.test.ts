import { describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../src/errors.js';
import { defineTask } from '../src/task.js';
import {
  parseQueueRateLimits,
  parseRateLimit,
  parseTaskThrottle,
  queueRateKey,
  slotKey,
  taskRateKey,
} from '../src/throttle.js';

describe('parseRateLimit', () => {
  it.each<[unknown, { max: number; windowMs: number }]>([
    [
      { max: 10, per: '1s' },
      { max: 10, windowMs: 1000 },
    ],
    [
      { max: 1, per: 250 },
      { max: 1, windowMs: 250 },
    ],
    [
      { max: 600, per: '1m' },
      { max: 600, windowMs: 60_000 },
    ],
  ])('%j', (input, expected) => {
    expect(parseRateLimit(input, 'rateLimit')).toEqual(expected);
  });

  it.each<[string, unknown, RegExp]>([
    ['not an object', 10, /rateLimit must be \{ max, per \}/],
    ['null', null, /rateLimit must be \{ max, per \}/],
    ['max zero', { max: 0, per: '1s' }, /rateLimit\.max must be a positive integer/],
    ['max fractional', { max: 1.5, per: '1s' }, /rateLimit\.max must be a positive integer/],
    ['max missing', { per: '1s' }, /rateLimit\.max must be a positive integer/],
    ['max a string', { max: '10', per: '1s' }, /rateLimit\.max must be a positive integer/],
    ['per missing', { max: 10 }, /rateLimit\.per must be/],
    ['per malformed', { max: 10, per: 'soon' }, /rateLimit\.per must be/],
    ['per zero', { max: 10, per: 0 }, /rateLimit\.per must be at least 1 ms/],
    ['per negative', { max: 10, per: -5 }, /rateLimit\.per must be/],
  ])('refuses %s', (_name, input, message) => {
    expect(() => parseRateLimit(input, 'rateLimit')).toThrow(InvalidOptionsError);
    expect(() => parseRateLimit(input, 'rateLimit')).toThrow(message);
  });
});

describe('parseTaskThrottle', () => {
  const byTenant = (payload: unknown) => (payload as { tenant: string }).tenant;

  it('is undefined for a task without throttling', () => {
    expect(parseTaskThrottle('t', {})).toBeUndefined();
  });

  it('reads a rate limit and a concurrency key (maxPerKey defaults to 1)', () => {
    const throttle = parseTaskThrottle('t', { rateLimit: { max: 5, per: '2s' }, concurrencyKey: byTenant });
    expect(throttle?.rate).toEqual({ max: 5, windowMs: 2000 });
    expect(throttle?.perKey?.maxPerKey).toBe(1);
    expect(throttle?.perKey?.keyOf({ tenant: 'acme' })).toBe('acme');
  });

  it('refuses maxPerKey without a concurrencyKey', () => {
    expect(() => parseTaskThrottle('t', { maxPerKey: 2 })).toThrow(/maxPerKey needs a concurrencyKey/);
  });

  it.each([0, -1, 1.5, '2'])('refuses maxPerKey %j', (maxPerKey) => {
    expect(() => parseTaskThrottle('t', { concurrencyKey: byTenant, maxPerKey })).toThrow(
      InvalidOptionsError,
    );
  });

  it('refuses a concurrencyKey that is not a function', () => {
    expect(() => parseTaskThrottle('t', { concurrencyKey: 'tenant' })).toThrow(/must be a function/);
  });
});

describe('defineTask throttling options', () => {
  it('keeps them on the definition', () => {
    const task = defineTask({
      name: 'call-partner',
      rateLimit: { max: 10, per: '1s' },
      concurrencyKey: (payload) => String(payload),
      maxPerKey: 2,
    });
    expect(task.rateLimit).toEqual({ max: 10, per: '1s' });
    expect(task.maxPerKey).toBe(2);
    expect(task.concurrencyKey?.('x')).toBe('x');
  });

  it('refuses malformed options at definition time', () => {
    expect(() => defineTask({ name: 'bad', rateLimit: { max: 0, per: '1s' } })).toThrow(
      /task "bad": rateLimit\.max must be a positive integer/,
    );
    expect(() => defineTask({ name: 'bad', maxPerKey: 2 })).toThrow(InvalidOptionsError);
  });
});

describe('parseQueueRateLimits', () => {
  it('parses each queue', () => {
    expect(parseQueueRateLimits({ emails: { max: 3, per: '1s' } })).toEqual(
      new Map([['emails', { max: 3, windowMs: 1000 }]]),
    );
    expect(parseQueueRateLimits(undefined).size).toBe(0);
  });

  it('names the queue in errors', () => {
    expect(() => parseQueueRateLimits({ emails: { max: 3 } })).toThrow(/queueRateLimits\["emails"\]\.per/);
    expect(() => parseQueueRateLimits('fast')).toThrow(InvalidOptionsError);
  });
});

describe('keys', () => {
  it('separates tasks, queues and key values', () => {
    expect(taskRateKey('a')).toBe('rate:task:a');
    expect(queueRateKey('a')).toBe('rate:queue:a');
    expect(slotKey('a', 'acme')).toBe('slots:a:acme');
    expect(slotKey('a', 7)).toBe('slots:a:7');
  });

  it.each([undefined, null, '', {}, Number.NaN, 'x'.repeat(257)])('refuses key value %j', (value) => {
    expect(() => slotKey('a', value)).toThrow(/concurrencyKey must return/);
  });
});
