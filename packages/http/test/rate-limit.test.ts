/**
 * Rate limits over real HTTP: per principal and route class, 429 with Retry-After, the
 * failed-authentication budget per client address (a valid token is refused once it is
 * spent), Redis-backed limits shared by two API instances, and failing closed when the
 * limiter's store breaks.
 */
import { REDIS_URL, requireRedis } from '@switchyard/test-services';
import { Redis } from 'ioredis';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServedApi } from '../src/index.js';
import { type Backend, openBackend } from './support/backends.js';
import { call, serveForTest } from './support/http.js';

describe('rate limits', () => {
  let backend: Backend;
  const servers: ServedApi[] = [];
  let redis: Redis;
  beforeAll(async () => {
    await requireRedis();
    backend = await openBackend('memory');
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    for (const served of servers) await served.close();
    await backend?.close();
    redis?.disconnect();
  });
  const serve = async (rateLimit: object) => {
    const served = await serveForTest(backend.yard, { rateLimit });
    servers.push(served);
    return served;
  };

  it('limits each principal per route class, with Retry-After', async () => {
    const served = await serve({ read: { points: 3, duration: 60 }, write: { points: 1, duration: 60 } });
    for (let index = 0; index < 3; index++)
      expect((await call(served, 'GET', '/jobs', { as: 'viewer' })).status).toBe(200);
    const limited = await call(served, 'GET', '/tasks', { as: 'viewer' });
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.body.retryAfter).toBe(retryAfter);
    // Another principal has its own budget; writes have their own class.
    expect((await call(served, 'GET', '/jobs', { as: 'admin' })).status).toBe(200);
    const body = { task: 'http.charge', payload: { orderId: 1 }, options: { delay: '1h' } };
    expect((await call(served, 'POST', '/jobs', { as: 'admin', body })).status).toBe(201);
    const before = await backend.reader.jobs.counts({ queue: 'billing' });
    expect((await call(served, 'POST', '/jobs', { as: 'admin', body })).status).toBe(429);
    expect(await backend.reader.jobs.counts({ queue: 'billing' })).toEqual(before);
  });

  it('blocks an address after too many failed authentications, even with a valid token then', async () => {
    const served = await serve({ unauthenticated: { points: 3, duration: 60 } });
    for (let index = 0; index < 3; index++) {
      expect((await call(served, 'GET', '/jobs', { authorization: 'Bearer wrong' })).status).toBe(401);
    }
    expect((await call(served, 'GET', '/jobs', { authorization: 'Bearer wrong' })).status).toBe(429);
    const valid = await call(served, 'GET', '/jobs', { as: 'admin' });
    expect(valid.status).toBe(429);
    expect(valid.headers.get('retry-after')).not.toBeNull();
    // Health needs no authentication and is not affected.
    expect((await call(served, 'GET', '/health')).status).toBe(200);
  });

  it('shares limits across API instances through a Redis store', async () => {
    const keyPrefix = `sy-http-test-${Math.random().toString(36).slice(2)}`;
    const options = { redis, keyPrefix, read: { points: 4, duration: 60 } };
    const first = await serve(options);
    const second = await serve(options);
    expect((await call(first, 'GET', '/jobs', { as: 'viewer' })).status).toBe(200);
    expect((await call(second, 'GET', '/jobs', { as: 'viewer' })).status).toBe(200);
    expect((await call(first, 'GET', '/jobs', { as: 'viewer' })).status).toBe(200);
    expect((await call(second, 'GET', '/jobs', { as: 'viewer' })).status).toBe(200);
    expect((await call(first, 'GET', '/jobs', { as: 'viewer' })).status).toBe(429);
    expect(Number(await redis.get(`${keyPrefix}:read:viewer-user`))).toBeGreaterThanOrEqual(4);
    await redis.del(`${keyPrefix}:read:viewer-user`);
  });

  it('accepts limiters the app builds', async () => {
    const built: string[] = [];
    const served = await serve({
      createLimiter: (
        limitedClass: string,
        policy: { points: number; duration: number },
        keyPrefix: string,
      ) => {
        built.push(limitedClass);
        return new RateLimiterMemory({
          ...policy,
          points: limitedClass === 'write' ? 1 : policy.points,
          keyPrefix,
        });
      },
    });
    expect(built.sort()).toEqual(['events', 'read', 'unauthenticated', 'write']);
    expect((await call(served, 'POST', '/queues/billing/pause', { as: 'admin' })).status).toBe(200);
    expect((await call(served, 'POST', '/queues/billing/resume', { as: 'admin' })).status).toBe(429);
    expect(await backend.reader.queues.isPaused('billing')).toBe(true);
    await backend.reader.queues.resume('billing');
  });

  it('fails closed (503) when the limiter store is down', async () => {
    const broken = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    broken.on('error', () => {});
    const served = await serve({ redis: broken });
    const response = await call(served, 'GET', '/jobs', { as: 'viewer' });
    expect([response.status, response.body.code]).toEqual([503, 'RATE_LIMITER_UNAVAILABLE']);
    broken.disconnect();
  });

  it('rejects malformed limits at createApi time', async () => {
    await expect(
      serveForTest(backend.yard, { rateLimit: { read: { points: 0, duration: 60 } } }),
    ).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
    });
  });
});
