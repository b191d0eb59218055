/**
 * Retention: finished jobs older than the yard's retention are removed by a sweep
 * that runs on the injected clock. Completed jobs use `completedMs`; failed and
 * cancelled ones use `failedMs`.
 */
import type { AdapterStartContext, TimerHandle } from '@switchyard/core';
import type { AdapterRuntime } from './runtime.js';

/** Jobs examined per sweep round. */
const SWEEP_BATCH = 500;

/** Which finished jobs are past retention at `now` (pure). */
export function isExpired(
  state: string,
  finishedAtMs: number | undefined,
  now: number,
  retention: AdapterStartContext['retention'],
): boolean {
  if (finishedAtMs === undefined) return false;
  const keepMs =
    state === 'completed'
      ? retention.completedMs
      : state === 'failed' || state === 'cancelled'
        ? retention.failedMs
        : undefined;
  return keepMs !== undefined && finishedAtMs + keepMs <= now;
}

/** Periodically removes expired finished jobs; `stop()` ends it. */
export class RetentionSweeper {
  private timer: TimerHandle | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private again = false;

  constructor(
    private readonly runtime: AdapterRuntime,
    private readonly retention: AdapterStartContext['retention'],
  ) {}

  start(): void {
    if (this.retention.completedMs === undefined && this.retention.failedMs === undefined) return;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.runtime.clock.clearTimeout(this.timer);
    while (this.running) await this.running;
  }

  /** Arms the next tick now (not after the sweep), so an injected clock's ticks are never missed. */
  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.runtime.clock.setTimeout(() => {
      this.schedule();
      this.requestSweep();
    }, this.runtime.options.retentionSweepIntervalMs);
  }

  /** Starts a sweep, or asks the one in progress to run once more with the current time. */
  private requestSweep(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.sweep()
      .then(() => undefined)
      .catch((error: unknown) =>
        this.runtime.logger.warn({ err: error }, 'sqs: retention sweep failed; will try again'),
      )
      .finally(() => {
        this.running = null;
        if (this.again && !this.stopped) {
          this.again = false;
          this.requestSweep();
        }
      });
  }

  /** One sweep: removes every finished job past its retention. Returns how many were removed. */
  async sweep(): Promise<number> {
    const { records, clock } = this.runtime;
    const store = this.runtime.options.store;
    const now = clock.now();
    const shortest = Math.min(this.retention.completedMs ?? Infinity, this.retention.failedMs ?? Infinity);
    if (!Number.isFinite(shortest)) return 0;
    let removed = 0;
    const ids = await records.call('find finished jobs', () =>
      store.finishedBefore(now - shortest, SWEEP_BATCH),
    );
    const loaded = await records.loadMany(ids);
    for (const entry of loaded) {
      if (!entry) continue;
      const { record } = entry;
      if (!isExpired(record.state, record.finishedAt?.getTime(), now, this.retention)) continue;
      if (await records.call('remove an expired job', () => store.deleteJob(record.id))) removed++;
    }
    return removed;
  }
}
