/**
 * The SQS adapter's throttle store: the counters live in the job-state store (Lua scripts
 * in the Redis store, `@switchyard/redis-throttle`); a refused job waits as a retry does
 * (its own ticket, delayed to the time), with its attempt given back.
 */
import type { Clock, Lease, ThrottleAnswer, ThrottleRequest, ThrottleStore } from '@switchyard/core';
import { SqsLease } from './lease.js';
import type { ThrottleCounters } from './store/types.js';

export class SqsThrottle implements ThrottleStore {
  constructor(
    private readonly counters: ThrottleCounters,
    private readonly clock: () => Clock,
  ) {}

  acquire(request: ThrottleRequest): Promise<ThrottleAnswer> {
    return this.counters.take(request);
  }

  release(key: string, holder: string): Promise<void> {
    return this.counters.release(key, holder);
  }

  block(key: string, until: number): Promise<void> {
    return this.counters.block(key, until, this.clock().now());
  }

  async defer(lease: Lease, at: Date): Promise<void> {
    if (!(lease instanceof SqsLease)) throw new TypeError('sqs: defer needs a lease this adapter handed out');
    await lease.defer(at);
  }
}
