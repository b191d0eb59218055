/** `stats.queues()` for the memory adapter: counters it keeps, plus one pass for the oldest pending job. */
import type { QueueSnapshot, StatsStore } from '@switchyard/core';
import type { MemoryBackend } from '../backend.js';

export function createStatsStore(backend: MemoryBackend, queueNames: () => Promise<string[]>): StatsStore {
  return {
    async queues(): Promise<QueueSnapshot[]> {
      // One pass over the rows (O(jobs)); the memory adapter keeps no index by runAt per state.
      const oldest = new Map<string, number>();
      for (const row of backend.table.newestFirst()) {
        if (row.state !== 'pending') continue;
        const current = oldest.get(row.queue);
        if (current === undefined || row.runAt < current) oldest.set(row.queue, row.runAt);
      }
      return (await queueNames()).map((queue) => {
        const at = oldest.get(queue);
        return {
          queue,
          counts: backend.table.counts(queue),
          oldestPendingAt: at === undefined ? null : new Date(at),
          paused: backend.ready.isPaused(queue),
        };
      });
    },
  };
}
