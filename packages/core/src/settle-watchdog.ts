/**
 * Gives up settle calls that hang past their lease's lapse (a driver queueing commands
 * while disconnected never answers). A settle is made once per job, so instead of a timer
 * per settle (a timer object, two clock reads and a timer-list insert on the hot path) one
 * timer per worker, armed while any settle is pending, checks them every `checkEveryMs`:
 * a hung call is given up at most that long after its deadline.
 */
import type { Clock, TimerHandle } from './clock.js';

/** One pending settle call. */
export interface WatchedSettle {
  readonly deadline: number;
  readonly giveUp: () => void;
}

export class SettleWatchdog {
  private readonly pending = new Set<WatchedSettle>();
  private timer: TimerHandle | undefined = undefined;

  constructor(
    private readonly clock: Clock,
    private readonly checkEveryMs: number,
  ) {}

  /** How often a worker with leases of `leaseDurationMs` checks: a tenth of the lease, 10 ms to 1 s (pure). */
  static checkEveryMsFor(leaseDurationMs: number): number {
    return Math.min(1000, Math.max(10, Math.floor(leaseDurationMs / 10)));
  }

  /** Calls `giveUp` once `deadline` has passed, unless `answered` is called first. */
  watch(deadline: number, giveUp: () => void): WatchedSettle {
    const entry: WatchedSettle = { deadline, giveUp };
    this.pending.add(entry);
    this.timer ??= this.clock.setTimeout(() => this.check(), this.checkEveryMs);
    return entry;
  }

  answered(entry: WatchedSettle): void {
    this.pending.delete(entry);
  }

  private check(): void {
    this.timer = undefined;
    const now = this.clock.now();
    for (const entry of this.pending) {
      if (entry.deadline > now) continue;
      this.pending.delete(entry);
      entry.giveUp();
    }
    if (this.pending.size > 0) this.timer = this.clock.setTimeout(() => this.check(), this.checkEveryMs);
  }
}
