import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AdapterCapabilities } from '../src/adapter.js';
import type { ScheduleRecord } from '../src/job.js';
import { keepStoredProgress, scheduleRecordOf } from '../src/schedule-definition.js';
import { defineTask } from '../src/task.js';

const capabilities = {
  maxPayloadBytes: 1024,
  maxDelayMs: Infinity,
  transactionalEnqueue: false,
} as AdapterCapabilities;
const context = {
  adapterName: 't',
  capabilities,
  maxPayloadBytes: 1024,
  now: Date.UTC(2030, 0, 1, 0, 0, 30),
  newId: () => 'x',
};
const ping = defineTask({ name: 'ping', schema: z.object({ n: z.number() }) });

describe('scheduleRecordOf', () => {
  it('computes the first tick and keeps the job options', async () => {
    const record = await scheduleRecordOf(
      { key: 'k', task: ping, cron: '*/5 * * * *', payload: { n: 1 }, priority: 2, queue: 'q' },
      ping,
      context,
    );
    expect(record).toMatchObject({
      key: 'k',
      task: 'ping',
      queue: 'q',
      cron: '*/5 * * * *',
      tz: 'UTC',
      jobOptions: { priority: 2 },
      paused: false,
      nextRunAt: new Date(Date.UTC(2030, 0, 1, 0, 5, 0)),
    });
  });

  it.each([
    [{ key: 'k', task: ping, payload: { n: 1 } }, 'INVALID_OPTIONS'],
    [{ key: 'k', task: ping, cron: '* * * * *', every: '1m', payload: { n: 1 } }, 'INVALID_OPTIONS'],
    [{ key: 'k', task: ping, every: '500ms', payload: { n: 1 } }, 'INVALID_OPTIONS'],
    [{ key: 'k', task: ping, cron: 'not cron', payload: { n: 1 } }, 'INVALID_OPTIONS'],
    [{ key: 'bad key', task: ping, every: '1m', payload: { n: 1 } }, 'INVALID_OPTIONS'],
    [{ key: 'k', task: ping, every: '1m', payload: { n: 'x' } }, 'VALIDATION_FAILED'],
  ])('refuses %j', async (input, code) => {
    await expect(scheduleRecordOf(input as never, ping, context)).rejects.toMatchObject({ code });
  });
});

describe('keepStoredProgress', () => {
  const stored: ScheduleRecord = {
    key: 'k',
    task: 'ping',
    queue: 'default',
    cron: '* * * * *',
    tz: 'UTC',
    payload: {},
    jobOptions: {},
    paused: true,
    nextRunAt: new Date(1000),
    lastRunAt: new Date(500),
    createdAt: new Date(0),
  };
  const fresh: ScheduleRecord = {
    ...stored,
    paused: false,
    nextRunAt: new Date(9000),
    createdAt: new Date(8000),
  };
  delete fresh.lastRunAt;

  it('keeps the pending tick, pause flag and history when the timing is unchanged', () => {
    expect(keepStoredProgress(fresh, stored)).toEqual({
      ...fresh,
      nextRunAt: new Date(1000),
      paused: true,
      createdAt: new Date(0),
      lastRunAt: new Date(500),
    });
  });

  it('starts afresh when the timing changed or nothing was stored', () => {
    expect(keepStoredProgress({ ...fresh, cron: '*/2 * * * *' }, stored).nextRunAt).toEqual(new Date(9000));
    expect(keepStoredProgress(fresh, { ...stored, tz: 'Europe/Berlin' }).paused).toBe(false);
    expect(keepStoredProgress(fresh, null)).toBe(fresh);
  });
});
