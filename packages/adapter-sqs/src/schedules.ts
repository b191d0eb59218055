/**
 * `adapter.schedules`: schedules are stored in the job-state store; core computes
 * ticks and `advance` makes each tick fire once through compare-and-set on the
 * stored schedule (only the caller that still sees `from` wins).
 */
import type { ScheduleRecord, ScheduleStore } from '@switchyard/core';
import { decodeSchedule, encodeSchedule } from './codec.js';
import type { AdapterRuntime } from './runtime.js';

/** Attempts before a contended schedule update gives up (each loss means another process wrote it). */
const MAX_ROUNDS = 20;

/** Builds `adapter.schedules`. */
export function createScheduleStore(runtime: AdapterRuntime): ScheduleStore {
  const { records } = runtime;
  const store = () => runtime.options.store;

  /** Read → change → swap, repeated while another process changes the same schedule. */
  async function update(
    key: string,
    change: (schedule: ScheduleRecord) => ScheduleRecord | null,
  ): Promise<boolean> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const stored = await records.call('read a schedule', () => store().getSchedule(key));
      if (stored === null) return false;
      const next = change(decodeSchedule(stored));
      if (!next) return false;
      if (
        await records.call('update a schedule', () => store().swapSchedule(key, stored, encodeSchedule(next)))
      )
        return true;
    }
    return false;
  }

  return {
    async upsert(schedule) {
      await records.call('store a schedule', () =>
        store().putSchedule(schedule.key, encodeSchedule(schedule)),
      );
    },
    async get(key) {
      const stored = await records.call('read a schedule', () => store().getSchedule(key));
      return stored === null ? null : decodeSchedule(stored);
    },
    async list() {
      const stored = await records.call('list schedules', () => store().listSchedules());
      return stored.map(decodeSchedule).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },
    remove: (key) => records.call('remove a schedule', () => store().removeSchedule(key)),
    setPaused: (key, paused) => update(key, (schedule) => ({ ...schedule, paused })),
    advance: (key, from, to) =>
      update(key, (schedule) =>
        schedule.nextRunAt.getTime() === from.getTime()
          ? { ...schedule, nextRunAt: to, lastRunAt: from }
          : null,
      ),
  };
}
