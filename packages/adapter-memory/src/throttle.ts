/**
 * The in-process throttle store: one process is the whole "cluster", so core's in-process
 * counters are exact; a refused job is deferred through the backend.
 */
import {
  inProcessThrottleCounters,
  type Lease,
  type ThrottleAnswer,
  type ThrottleRequest,
  type ThrottleStore,
} from '@switchyard/core';
import type { MemoryBackend } from './backend.js';
import { MemoryLease } from './lease.js';

export class MemoryThrottle implements ThrottleStore {
  private readonly counters = inProcessThrottleCounters();

  constructor(private readonly backend: MemoryBackend) {}

  acquire(request: ThrottleRequest): Promise<ThrottleAnswer> {
    return this.counters.take(request);
  }

  release(key: string, holder: string): Promise<void> {
    return this.counters.release(key, holder);
  }

  block(key: string, until: number): Promise<void> {
    return this.counters.block(key, until);
  }

  async defer(lease: Lease, at: Date): Promise<void> {
    if (!(lease instanceof MemoryLease))
      throw new TypeError('memory: defer needs a lease this adapter handed out');
    if (!lease.over) this.backend.settle(lease, { kind: 'defer', at });
  }
}
