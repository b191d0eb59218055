/**
 * The times jobs are known to become ready (from NOTIFY payloads), earliest first, with one timer
 * on the injected clock for the earliest. Every time is kept (up to a bound), not only the
 * earliest: jobs a rate limit defers come back in a line, one share of the window apart, and a
 * consumer that remembered only the first would leave the rest to the fallback poll.
 */
import type { Clock, TimerHandle } from '@switchyard/core';

/** Most due times remembered; past it the latest are dropped (the fallback poll finds their jobs). */
export const MAX_DUE_TIMES = 10_000;

export class DueTimes {
  /** Ascending, without repeats. */
  private readonly times: number[] = [];
  private timer: { at: number; handle: TimerHandle } | undefined;

  constructor(
    private readonly clock: Clock,
    /** Called once per timer that found one or more times reached. */
    private readonly onDue: () => void,
    private readonly max = MAX_DUE_TIMES,
  ) {}

  /** Remembers that something becomes ready at `at` (epoch ms on the clock). */
  add(at: number): void {
    const index = insertionIndex(this.times, at);
    if (this.times[index] === at) return;
    this.times.splice(index, 0, at);
    if (this.times.length > this.max) this.times.pop();
    this.arm();
  }

  /** How many times are remembered. */
  get size(): number {
    return this.times.length;
  }

  /** Forgets every time and stops the timer. */
  clear(): void {
    if (this.timer) this.clock.clearTimeout(this.timer.handle);
    this.timer = undefined;
    this.times.length = 0;
  }

  private arm(): void {
    const next = this.times[0];
    if (next === undefined || (this.timer && this.timer.at <= next)) return;
    if (this.timer) this.clock.clearTimeout(this.timer.handle);
    const handle = this.clock.setTimeout(() => this.fire(), Math.max(0, next - this.clock.now()));
    this.timer = { at: next, handle };
  }

  private fire(): void {
    this.timer = undefined;
    const now = this.clock.now();
    let reached = 0;
    while (this.times.length > 0 && this.times[0]! <= now) {
      this.times.shift();
      reached++;
    }
    if (reached > 0) this.onDue();
    this.arm();
  }
}

/** Where `value` goes in the ascending `list` (the index of an equal element, if any). */
function insertionIndex(list: readonly number[], value: number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (list[middle]! < value) low = middle + 1;
    else high = middle;
  }
  return low;
}
