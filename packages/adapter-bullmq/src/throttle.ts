/**
 * The throttle store on Redis: the counters of `@switchyard/redis-throttle` (one Lua script per
 * check, atomic across every process) under the adapter's `${prefix}::sy:throttle:*`, in the
 * prefix's hash tag; a deferred job waits in BullMQ's delayed set.
 */
import type { Lease, ThrottleAnswer, ThrottleRequest, ThrottleStore } from '@switchyard/core';
import {
  defineThrottleScripts,
  type RedisThrottleCounters,
  redisThrottleCounters,
} from '@switchyard/redis-throttle';
import type { AdapterContext } from './context.js';
import { BullmqLease } from './lease.js';

export class BullmqThrottle implements ThrottleStore {
  private readonly counters: RedisThrottleCounters;

  constructor(private readonly context: AdapterContext) {
    defineThrottleScripts(context.client);
    this.counters = redisThrottleCounters(() => context.client, `${context.prefix}::sy:throttle`);
  }

  acquire(request: ThrottleRequest): Promise<ThrottleAnswer> {
    return this.counters.take(request);
  }

  release(key: string, holder: string): Promise<void> {
    return this.counters.release(key, holder);
  }

  block(key: string, until: number): Promise<void> {
    return this.counters.block(key, until, this.context.clock.now());
  }

  async defer(lease: Lease, at: Date): Promise<void> {
    if (!(lease instanceof BullmqLease))
      throw new TypeError('bullmq: defer needs a lease this adapter handed out');
    await lease.defer(at);
  }
}
