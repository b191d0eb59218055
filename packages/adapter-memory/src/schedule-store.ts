import type { ScheduleRecord, ScheduleStore } from '@switchyard/core';

/** Schedules kept in memory; every read and write is a copy, so callers never share state with the store. */
export class MemoryScheduleStore implements ScheduleStore {
  private readonly schedules = new Map<string, ScheduleRecord>();

  async upsert(schedule: ScheduleRecord): Promise<void> {
    this.schedules.set(schedule.key, structuredClone(schedule));
  }

  async get(key: string): Promise<ScheduleRecord | null> {
    const schedule = this.schedules.get(key);
    return schedule === undefined ? null : structuredClone(schedule);
  }

  async list(): Promise<ScheduleRecord[]> {
    return [...this.schedules.values()]
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((schedule) => structuredClone(schedule));
  }

  async remove(key: string): Promise<boolean> {
    return this.schedules.delete(key);
  }

  async setPaused(key: string, paused: boolean): Promise<boolean> {
    const schedule = this.schedules.get(key);
    if (schedule === undefined) return false;
    schedule.paused = paused;
    return true;
  }

  /** Compare-and-set on `nextRunAt`: only the caller that still sees `from` wins the tick. */
  async advance(key: string, from: Date, to: Date): Promise<boolean> {
    const schedule = this.schedules.get(key);
    if (schedule === undefined || schedule.nextRunAt.getTime() !== from.getTime()) return false;
    schedule.lastRunAt = new Date(from.getTime());
    schedule.nextRunAt = new Date(to.getTime());
    return true;
  }
}
