/**
 * `adapter.stats`: per queue its counts (the store's per-queue counters), its pause flag and
 * when its oldest pending job became runnable (the store keeps pending jobs ordered by
 * `runAt` per queue), in one store call whatever the number of jobs.
 */
import type { QueueSnapshot, StatsStore } from '@switchyard/core';
import type { AdapterRuntime } from './runtime.js';

/** Builds `adapter.stats`. */
export function createStats(runtime: AdapterRuntime): StatsStore {
  const { records } = runtime;
  const store = runtime.options.store;
  return {
    async queues(): Promise<QueueSnapshot[]> {
      const stats = await records.call('read queue statistics', () => store.queueStats());
      return stats.map(({ queue, counts, oldestPendingRunAt, paused }) => ({
        queue,
        counts,
        oldestPendingAt: oldestPendingRunAt === null ? null : new Date(oldestPendingRunAt),
        paused,
      }));
    },
  };
}
