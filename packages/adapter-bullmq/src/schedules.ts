/**
 * `schedules`: core-driven schedules stored in Redis hashes (one per schedule plus an
 * index set). Firing is exactly-once through `advance`, a compare-and-set script on
 * `nextRunAt`. The mutable fields are hash fields so the script never re-encodes the record.
 */
import type { ScheduleRecord, ScheduleStore } from '@switchyard/core';
import type { AdapterContext } from './context.js';
import { wrapErrors } from './errors.js';
import { scheduleIndexKey, scheduleKey } from './keys.js';

/** The immutable part of a schedule, stored as JSON. */
type ScheduleBody = Omit<ScheduleRecord, 'paused' | 'nextRunAt' | 'lastRunAt' | 'createdAt'>;

/** ScheduleRecord → hash fields (pure). */
export function toScheduleFields(schedule: ScheduleRecord): Record<string, string> {
  const { paused, nextRunAt, lastRunAt, createdAt, ...body } = schedule;
  const fields: Record<string, string> = {
    body: JSON.stringify(body satisfies ScheduleBody),
    paused: paused ? '1' : '0',
    nextRunAt: String(nextRunAt.getTime()),
    createdAt: String(createdAt.getTime()),
  };
  if (lastRunAt) fields.lastRunAt = String(lastRunAt.getTime());
  return fields;
}

/** Hash fields → ScheduleRecord (pure); null when the hash is empty. */
export function fromScheduleFields(fields: Record<string, string>): ScheduleRecord | null {
  if (fields.body === undefined || fields.nextRunAt === undefined) return null;
  const body = JSON.parse(fields.body) as ScheduleBody;
  const record: ScheduleRecord = {
    ...body,
    paused: fields.paused === '1',
    nextRunAt: new Date(Number(fields.nextRunAt)),
    createdAt: new Date(Number(fields.createdAt ?? fields.nextRunAt)),
  };
  if (fields.lastRunAt !== undefined) record.lastRunAt = new Date(Number(fields.lastRunAt));
  return record;
}

/** Builds the schedule store. */
export function createScheduleStore(context: AdapterContext): ScheduleStore {
  const { client, prefix, scripts } = context;
  const read = async (key: string) => fromScheduleFields(await client.hgetall(scheduleKey(prefix, key)));
  return {
    upsert: (schedule) =>
      wrapErrors('schedules.upsert', async () => {
        const hash = scheduleKey(prefix, schedule.key);
        // Replace, not merge: a previous lastRunAt must not survive an upsert that has none.
        await client
          .multi()
          .del(hash)
          .hset(hash, toScheduleFields(schedule))
          .sadd(scheduleIndexKey(prefix), schedule.key)
          .exec();
      }),
    get: (key) => wrapErrors('schedules.get', () => read(key)),
    list: () =>
      wrapErrors('schedules.list', async () => {
        const keys = (await client.smembers(scheduleIndexKey(prefix))).sort();
        const records = await Promise.all(keys.map(read));
        return records.filter((record): record is ScheduleRecord => record !== null);
      }),
    remove: (key) =>
      wrapErrors('schedules.remove', async () => {
        const replies = await client
          .multi()
          .del(scheduleKey(prefix, key))
          .srem(scheduleIndexKey(prefix), key)
          .exec();
        return replies?.[0]?.[1] === 1;
      }),
    setPaused: (key, paused) =>
      wrapErrors(
        'schedules.setPaused',
        async () => (await scripts.setSchedulePaused(scheduleKey(prefix, key), paused)) === 1,
      ),
    advance: (key, from, to) =>
      wrapErrors(
        'schedules.advance',
        async () =>
          (await scripts.advanceSchedule(scheduleKey(prefix, key), from.getTime(), to.getTime())) === 1,
      ),
  };
}
