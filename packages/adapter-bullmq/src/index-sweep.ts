/**
 * Keeps the id indexes honest: BullMQ's retention deletes finished jobs inside its own
 * scripts, so their entries in the adapter's id index and state markers are left behind.
 * A background loop sweeps them (`lua/index-sweep.ts`); only the instance holding the
 * sweeper lock works, the others just retry for the lock. A slice that found many stale
 * entries is followed at once by the next one, so the sweep keeps up with high retention rates.
 */
import { randomUUID } from 'node:crypto';
import { isConnectionError } from '@switchyard/core';
import type { AdapterContext } from './context.js';

/** Index entries examined per tick, spread over the queues. */
export const SWEEP_ENTRIES_PER_TICK = 2000;
/** Pause between ticks when the last one found little to remove. */
export const SWEEP_INTERVAL_MS = 1000;
/** Pause when the last tick removed at least a tenth of what it examined. */
const BUSY_INTERVAL_MS = 50;

/** What one tick did, or `not-owner` when another instance holds the sweeper lock. */
export type SweepResult = { examined: number; removed: number } | 'not-owner';

/** Runs sweep ticks until stopped. */
export class IndexSweeper {
  private readonly owner = randomUUID();
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = true;
  private failing = false;

  constructor(private readonly context: AdapterContext) {}

  /** Starts the loop (timers are unref'd: the sweep never keeps a process alive). */
  start(): void {
    this.stopped = false;
    this.schedule(SWEEP_INTERVAL_MS);
  }

  /** Stops the loop and waits for a tick in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One sweep slice over every known queue. */
  async tick(): Promise<SweepResult> {
    const queues = await this.context.knownQueues();
    if (queues.length === 0) return { examined: 0, removed: 0 };
    const perQueue = Math.max(50, Math.floor(SWEEP_ENTRIES_PER_TICK / queues.length));
    const reply = (await this.context.scripts.call('sySweepIndex', [
      this.context.prefix,
      this.owner,
      SWEEP_INTERVAL_MS * 5,
      perQueue,
      ...queues,
    ])) as [number, number] | number;
    if (typeof reply === 'number') return 'not-owner';
    return { examined: reply[0], removed: reply[1] };
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const tick = this.tick();
      this.running = tick;
      tick.then(
        (result) => {
          if (this.failing) {
            this.failing = false;
            this.context.logger.info({}, 'bullmq: the id index sweep works again');
          }
          const busy = result !== 'not-owner' && result.removed * 10 >= result.examined && result.removed > 0;
          this.schedule(busy ? BUSY_INTERVAL_MS : SWEEP_INTERVAL_MS);
        },
        (error: unknown) => {
          // During an outage the outage log speaks once; the sweep just tries again.
          if (!this.failing && !isConnectionError(error)) {
            this.failing = true;
            this.context.logger.warn({ err: error }, 'bullmq: the id index sweep failed; retrying');
          }
          this.schedule(SWEEP_INTERVAL_MS);
        },
      );
    }, delayMs);
    this.timer.unref();
  }
}
