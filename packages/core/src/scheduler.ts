/**
 * The schedule loop. Any number of them may run against one backend; each tick
 * fires exactly once because (1) the tick's job has a deterministic id, so a
 * second enqueue is a duplicate, and (2) `advance` is a compare-and-set on the
 * stored `nextRunAt`. Missed ticks (nothing ran during them) are skipped, not replayed.
 */
import type { TimerHandle } from './clock.js';
import { nextScheduleTick } from './cron.js';
import { toError } from './errors.js';
import type { ScheduleRecord } from './job.js';
import type { YardRuntime } from './runtime.js';

export class ScheduleRunner {
  private timer?: TimerHandle;
  private running?: Promise<void>;
  private started = false;
  private stopping = false;

  constructor(
    private readonly runtime: YardRuntime,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    if (this.started) return;
    this.started = true;
    this.stopping = false;
    this.arm(0);
  }

  async stop(): Promise<void> {
    this.started = false;
    this.stopping = true;
    if (this.timer) this.runtime.clock.clearTimeout(this.timer);
    await this.running;
  }

  private arm(ms: number): void {
    if (this.stopping) return;
    this.timer = this.runtime.clock.setTimeout(() => {
      this.running = this.pass()
        .then((wakeInMs) => this.arm(wakeInMs))
        .catch((error) => {
          this.runtime.logger.error({ err: error }, 'switchyard: schedule pass failed');
          this.runtime.events.emit('worker:error', { error: toError(error) });
          this.arm(this.intervalMs);
        });
    }, ms);
  }

  /** Fires every due schedule once; returns how long to sleep before the next pass. */
  async pass(): Promise<number> {
    const { adapter, clock } = this.runtime;
    const schedules = await adapter.schedules.list();
    let wakeInMs = this.intervalMs;
    for (const schedule of schedules) {
      if (this.stopping) break;
      if (schedule.paused) continue;
      const now = clock.now();
      const due = schedule.nextRunAt.getTime();
      if (due > now) {
        wakeInMs = Math.min(wakeInMs, due - now);
        continue;
      }
      await this.fire(schedule, now);
    }
    return Math.max(1, wakeInMs);
  }

  private async fire(schedule: ScheduleRecord, now: number): Promise<void> {
    const { adapter, tasks, logger } = this.runtime;
    const tick = schedule.nextRunAt;
    const next = nextScheduleTick(schedule, new Date(now));
    const stale = nextScheduleTick(schedule, tick).getTime() <= now;
    if (stale) {
      // Its interval has passed with nobody running: skip to the next tick instead of replaying.
      await adapter.schedules.advance(schedule.key, tick, next);
      return;
    }
    if (!tasks.has(schedule.task)) {
      // Another process that knows the task will fire it.
      logger.warn(
        { schedule: schedule.key, task: schedule.task },
        'switchyard: schedule for a task this yard does not know',
      );
      return;
    }
    await this.runtime.enqueueScheduleTick(schedule, tick);
    await adapter.schedules.advance(schedule.key, tick, next);
  }
}
