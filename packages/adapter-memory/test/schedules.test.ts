import type { ScheduleRecord } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.js';

function schedule(key: string, nextRunAt: Date): ScheduleRecord {
  return {
    key,
    task: 'report',
    queue: 'default',
    cron: '*/5 * * * *',
    tz: 'UTC',
    payload: { full: true },
    jobOptions: { priority: 3 },
    paused: false,
    nextRunAt,
    createdAt: new Date(nextRunAt.getTime() - 60_000),
  };
}

describe('memory adapter: schedules', () => {
  let h: Harness;
  afterEach(async () => {
    await h.adapter.close();
  });

  it('upserts, reads copies, lists by key, pauses and removes', async () => {
    h = await startHarness();
    const tick = new Date(h.clock.now());
    const input = schedule('b-report', tick);
    await h.adapter.schedules.upsert(input);
    await h.adapter.schedules.upsert(schedule('a-report', tick));
    (input.payload as { full: boolean }).full = false;
    const read = await h.adapter.schedules.get('b-report');
    expect(read).toEqual({ ...schedule('b-report', tick) });
    read!.nextRunAt.setTime(0);
    expect((await h.adapter.schedules.get('b-report'))?.nextRunAt).toEqual(tick);
    expect((await h.adapter.schedules.list()).map((s) => s.key)).toEqual(['a-report', 'b-report']);

    expect(await h.adapter.schedules.setPaused('a-report', true)).toBe(true);
    expect((await h.adapter.schedules.get('a-report'))?.paused).toBe(true);
    expect(await h.adapter.schedules.setPaused('missing', true)).toBe(false);
    await h.adapter.schedules.upsert({ ...schedule('a-report', tick), everyMs: 1000, cron: undefined });
    expect((await h.adapter.schedules.get('a-report'))?.everyMs).toBe(1000);
    expect(await h.adapter.schedules.remove('a-report')).toBe(true);
    expect(await h.adapter.schedules.remove('a-report')).toBe(false);
    expect(await h.adapter.schedules.get('a-report')).toBeNull();
  });

  it('advance is a compare-and-set: exactly one caller wins a tick', async () => {
    h = await startHarness();
    const tick = new Date(h.clock.now());
    const next = new Date(tick.getTime() + 300_000);
    await h.adapter.schedules.upsert(schedule('report', tick));
    const results = await Promise.all(
      Array.from({ length: 5 }, () => h.adapter.schedules.advance('report', new Date(tick), new Date(next))),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await h.adapter.schedules.get('report')).toMatchObject({ nextRunAt: next, lastRunAt: tick });
    expect(await h.adapter.schedules.advance('report', tick, new Date(next.getTime() + 1))).toBe(false);
    expect(await h.adapter.schedules.advance('missing', tick, next)).toBe(false);
  });
});
