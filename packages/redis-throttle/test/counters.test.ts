import { randomBytes } from 'node:crypto';
import { REDIS_URL, requireRedis } from '@switchyard/test-services';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineThrottleScripts, redisThrottleCounters } from '../src/index.js';

let redis: Redis;
const prefix = `{rt${randomBytes(4).toString('hex')}}:throttle`;

beforeAll(async () => {
  await requireRedis();
  redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  await redis.connect();
  defineThrottleScripts(redis);
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

const rate = (key: string, now: number, member: string) =>
  ({ kind: 'rate', key, max: 2, windowMs: 1000, now, member }) as const;
const slot = (key: string, now: number, holder: string) =>
  ({ kind: 'slot', key, max: 1, ttlMs: 500, now, holder }) as const;

describe('redisThrottleCounters', () => {
  it('grants max starts per window, then names when the oldest grant frees', async () => {
    const counters = redisThrottleCounters(() => redis, prefix);
    expect(await counters.take(rate('r1', 10_000, 'a'))).toEqual({ granted: true });
    expect(await counters.take(rate('r1', 10_100, 'b'))).toEqual({ granted: true });
    expect(await counters.take(rate('r1', 10_200, 'c'))).toEqual({ granted: false, retryAt: 11_000 });
    // The window slid past the first grant.
    expect(await counters.take(rate('r1', 11_001, 'c'))).toEqual({ granted: true });
    expect(await redis.zcard(`${prefix}:grants:r1`)).toBe(2);
  });

  it('lines refused requests up one share of the window apart', async () => {
    const counters = redisThrottleCounters(() => redis, prefix);
    await counters.take(rate('r2', 20_000, 'a'));
    await counters.take(rate('r2', 20_000, 'b'));
    const first = await counters.take(rate('r2', 20_000, 'c'));
    const second = await counters.take(rate('r2', 20_000, 'd'));
    expect(first).toEqual({ granted: false, retryAt: 21_000 });
    expect(second).toEqual({ granted: false, retryAt: 21_500 });
  });

  it('refuses a request older than the newest grant, so grants stay in time order', async () => {
    const counters = redisThrottleCounters(() => redis, prefix);
    await counters.take(rate('r3', 30_500, 'a'));
    expect(await counters.take(rate('r3', 30_000, 'b'))).toEqual({ granted: false, retryAt: 30_000 });
  });

  it('a block holds the window until it ends, and an earlier block does not shorten it', async () => {
    const counters = redisThrottleCounters(() => redis, prefix);
    await counters.block('r4', 45_000, 40_000);
    await counters.block('r4', 42_000, 40_000);
    expect(await counters.take(rate('r4', 41_000, 'a'))).toEqual({ granted: false, retryAt: 45_000 });
    expect(await counters.take(rate('r4', 45_001, 'a'))).toEqual({ granted: true });
    expect(await redis.pttl(`${prefix}:block:r4`)).toBeGreaterThan(0);
  });

  it('hands out slots up to max, renews a holder, frees on release or expiry', async () => {
    const counters = redisThrottleCounters(() => redis, prefix);
    expect(await counters.take(slot('s1', 50_000, 'h1'))).toEqual({ granted: true });
    expect(await counters.take(slot('s1', 50_100, 'h2'))).toEqual({ granted: false, retryAt: 50_500 });
    // The holder renews its own slot.
    expect(await counters.take(slot('s1', 50_200, 'h1'))).toEqual({ granted: true });
    await counters.release('s1', 'h1');
    expect(await counters.take(slot('s1', 50_300, 'h2'))).toEqual({ granted: true });
    // h2's slot expires at 50,800.
    expect(await counters.take(slot('s1', 50_801, 'h3'))).toEqual({ granted: true });
  });

  it('runs on a client handed over through a promise, and says what is missing on a client without its scripts', async () => {
    const fresh = new Redis(REDIS_URL);
    try {
      const counters = redisThrottleCounters(async () => fresh, prefix);
      await expect(counters.take(slot('s2', 60_000, 'h'))).rejects.toThrow(/call defineThrottleScripts/);
      defineThrottleScripts(fresh);
      defineThrottleScripts(fresh);
      expect(await counters.take(slot('s2', 60_000, 'h'))).toEqual({ granted: true });
      expect(await counters.take(slot('s2', 60_001, 'i'))).toEqual({ granted: false, retryAt: 60_500 });
    } finally {
      fresh.disconnect();
    }
  });
});
