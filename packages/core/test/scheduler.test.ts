import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ScheduleStore } from '../src/adapter.js';
import { BackendHealth } from '../src/backend-health.js';
import { ManualClock } from '../src/clock.js';
import { EventHub } from '../src/events.js';
import { scheduleTickJobId } from '../src/ids.js';
import type { ScheduleRecord } from '../src/job.js';
import { silentLogger } from '../src/logger.js';
import type { YardRuntime } from '../src/runtime.js';
import { ScheduleRunner } from '../src/scheduler.js';
import { defineTask } from '../src/task.js';
import { noopMetrics, noopTracer } from '../src/telemetry.js';

/** The ScheduleStore contract in a few lines: a map with compare-and-set. */
function scheduleStore(): ScheduleStore & { map: Map<string, ScheduleRecord> } {
  const map = new Map<string, ScheduleRecord>();
  return {
    map,
    upsert: async (s) => void map.set(s.key, structuredClone(s)),
    get: async (key) => structuredClone(map.get(key) ?? null),
    list: async () => [...map.values()].map((s) => structuredClone(s)),
    remove: async (key) => map.delete(key),
    setPaused: async (key, paused) => {
      const s = map.get(key);
      if (s) s.paused = paused;
      return Boolean(s);
    },
    advance: async (key, from, to) => {
      const s = map.get(key);
      if (!s || s.nextRunAt.getTime() !== from.getTime()) return false;
      s.lastRunAt = from;
      s.nextRunAt = to;
      return true;
    },
  };
}

const ping = defineTask({ name: 'ping', schema: z.object({}) });

function setup(start = Date.UTC(2030, 0, 1, 0, 0, 0)) {
  const clock = new ManualClock(start);
  const schedules = scheduleStore();
  const fired = new Set<string>();
  const enqueues: string[] = [];
  const runtime: YardRuntime = {
    adapter: { schedules, capabilities: { nativeScheduler: false } } as unknown as YardRuntime['adapter'],
    tasks: new Map([['ping', ping]]),
    logger: silentLogger,
    clock,
    random: Math.random,
    metrics: noopMetrics,
    tracer: noopTracer,
    events: new EventHub(() => {}),
    // Like an adapter: a second job with the same id is a duplicate.
    enqueueScheduleTick: async (schedule, tick) => {
      const id = scheduleTickJobId(schedule.key, tick);
      enqueues.push(id);
      if (fired.has(id)) return false;
      fired.add(id);
      return true;
    },
    enqueueSettled: () => undefined,
    assertOpen: () => {},
    health: new BackendHealth('test', silentLogger, clock),
    backendTimeoutMs: 10_000,
  };
  const schedule = (overrides: Partial<ScheduleRecord> = {}): ScheduleRecord => ({
    key: 'every-second',
    task: 'ping',
    queue: 'default',
    cron: '* * * * * *',
    tz: 'UTC',
    payload: {},
    jobOptions: {},
    paused: false,
    nextRunAt: new Date(start + 1000),
    createdAt: new Date(start),
    ...overrides,
  });
  return { clock, schedules, fired, enqueues, runtime, schedule };
}

describe('ScheduleRunner', () => {
  it('two runners fire each tick exactly once', async () => {
    const { clock, schedules, fired, runtime, schedule } = setup();
    await schedules.upsert(schedule());
    const a = new ScheduleRunner(runtime, 1000);
    const b = new ScheduleRunner(runtime, 1000);
    for (let second = 1; second <= 5; second++) {
      await clock.advance(1000);
      // Both look at the same due tick; only one job may come of it.
      await Promise.all([a.pass(), b.pass()]);
    }
    expect(fired.size).toBe(5);
    expect((await schedules.get('every-second'))?.nextRunAt.getTime()).toBe(clock.now() + 1000);
  });

  it('skips ticks whose interval passed while nothing ran, instead of replaying them', async () => {
    const { clock, schedules, fired, runtime, schedule } = setup();
    await schedules.upsert(schedule());
    await clock.advance(10_500); // ten ticks missed
    await new ScheduleRunner(runtime, 1000).pass();
    expect(fired.size).toBe(0);
    const stored = await schedules.get('every-second');
    expect(stored?.nextRunAt.getTime()).toBeGreaterThan(clock.now());
    await clock.advance(1000);
    await new ScheduleRunner(runtime, 1000).pass();
    expect(fired.size).toBe(1);
  });

  it('does not fire paused schedules', async () => {
    const { clock, schedules, fired, runtime, schedule } = setup();
    await schedules.upsert(schedule({ paused: true }));
    await clock.advance(1000);
    await new ScheduleRunner(runtime, 1000).pass();
    expect(fired.size).toBe(0);
  });

  it('returns how long to sleep until the next due schedule', async () => {
    const { clock, schedules, runtime, schedule } = setup();
    await schedules.upsert(
      schedule({ cron: undefined, everyMs: 60_000, nextRunAt: new Date(clock.now() + 250) }),
    );
    expect(await new ScheduleRunner(runtime, 1000).pass()).toBe(250);
  });

  it('leaves schedules of unknown tasks for a process that knows them', async () => {
    const { clock, schedules, fired, runtime, schedule } = setup();
    await schedules.upsert(schedule({ task: 'elsewhere' }));
    await clock.advance(1000);
    await new ScheduleRunner(runtime, 1000).pass();
    expect(fired.size).toBe(0);
    expect((await schedules.get('every-second'))?.nextRunAt.getTime()).toBe(clock.now());
  });
});
