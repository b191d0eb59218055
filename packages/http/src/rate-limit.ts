/**
 * Rate limits per principal and route class (reads, writes, event-stream opens), plus
 * one for failed authentications per client address, with rate-limiter-flexible: its
 * memory store by default, Redis when the app passes a client (limits then hold across
 * every process serving the API), or any limiter the app builds.
 */
import { InvalidOptionsError } from '@switchyard/core';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import type { RouteClass } from './access-policy.js';

/** A budget: `points` requests per `duration` seconds. */
export interface RatePolicy {
  points: number;
  duration: number;
}

/** What is limited: each route class per principal, and failed authentications per client address. */
export type LimitedClass = RouteClass | 'unauthenticated';

/** The `rateLimit` option. */
export interface RateLimitOptions {
  /** Reads per principal. Default 1200 per 60 s (a dashboard polling every second fits). */
  read?: RatePolicy;
  /** Writes per principal. Default 120 per 60 s. */
  write?: RatePolicy;
  /** `GET /events` connections opened per principal. Default 30 per 60 s. */
  events?: RatePolicy;
  /** Failed authentications per client address; once spent, even a valid token gets 429. Default 30 per 60 s. */
  unauthenticated?: RatePolicy;
  /** An ioredis (or node-redis) client: limits are kept in Redis, shared by every process. */
  redis?: unknown;
  /** Key prefix in the store. Default `switchyard-http`. */
  keyPrefix?: string;
  /** Builds each limiter yourself (any rate-limiter-flexible limiter); wins over `redis`. */
  createLimiter?: (limitedClass: LimitedClass, policy: RatePolicy, keyPrefix: string) => RateLimiterAbstract;
}

/** Default budgets. */
export const DEFAULT_RATE_POLICIES: Record<LimitedClass, RatePolicy> = {
  read: { points: 1200, duration: 60 },
  write: { points: 120, duration: 60 },
  events: { points: 30, duration: 60 },
  unauthenticated: { points: 30, duration: 60 },
};

/** The verdict of a limiter: allowed, limited (with the wait), or the store failed. */
export type RateVerdict =
  | { ok: true }
  | { ok: false; retryAfterSeconds: number }
  | { ok: 'error'; error: unknown };

const CLASSES: LimitedClass[] = ['read', 'write', 'events', 'unauthenticated'];

/** The limiters of one API. */
export class RateLimits {
  private readonly limiters: Record<LimitedClass, RateLimiterAbstract>;

  constructor(options: RateLimitOptions = {}) {
    const prefix = options.keyPrefix ?? 'switchyard-http';
    if (typeof prefix !== 'string' || prefix.length === 0 || prefix.length > 100) {
      throw new InvalidOptionsError(
        'rateLimit.keyPrefix must be a non-empty string of at most 100 characters',
      );
    }
    const limiters = {} as Record<LimitedClass, RateLimiterAbstract>;
    for (const limitedClass of CLASSES) {
      const policy = checkPolicy(options[limitedClass] ?? DEFAULT_RATE_POLICIES[limitedClass], limitedClass);
      const keyPrefix = `${prefix}:${limitedClass}`;
      limiters[limitedClass] = options.createLimiter
        ? options.createLimiter(limitedClass, policy, keyPrefix)
        : options.redis
          ? new RateLimiterRedis({ storeClient: options.redis, keyPrefix, ...policy })
          : new RateLimiterMemory({ keyPrefix, ...policy });
    }
    this.limiters = limiters;
  }

  /** Spends one point of `limitedClass` for `key`. */
  async consume(limitedClass: LimitedClass, key: string): Promise<RateVerdict> {
    try {
      await this.limiters[limitedClass].consume(key, 1);
      return { ok: true };
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
      }
      return { ok: 'error', error: rejection };
    }
  }

  /** Whether `key` has spent its failed-authentication budget (checked before authenticating). */
  async authBlocked(key: string): Promise<RateVerdict> {
    const limiter = this.limiters.unauthenticated;
    try {
      const state = await limiter.get(key);
      if (state && state.consumedPoints >= limiter.points) {
        return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(state.msBeforeNext / 1000)) };
      }
      return { ok: true };
    } catch (error) {
      return { ok: 'error', error };
    }
  }
}

function checkPolicy(policy: RatePolicy, name: string): RatePolicy {
  if (
    typeof policy !== 'object' ||
    policy === null ||
    !Number.isInteger(policy.points) ||
    policy.points < 1 ||
    !Number.isInteger(policy.duration) ||
    policy.duration < 1
  ) {
    throw new InvalidOptionsError(`rateLimit.${name} must be { points, duration } with positive integers`);
  }
  return { points: policy.points, duration: policy.duration };
}
