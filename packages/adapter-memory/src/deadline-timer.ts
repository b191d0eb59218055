import type { Clock, TimerHandle } from '@switchyard/core';

/**
 * One clock timer armed for the earliest deadline anyone asked for. Many
 * deadlines share it (no timer per job): the owner re-arms it for its next
 * deadline when it fires.
 */
export class DeadlineTimer {
  private handle: TimerHandle | undefined;
  private armedFor = Number.POSITIVE_INFINITY;

  constructor(
    private readonly clock: () => Clock,
    private readonly onFire: () => void,
  ) {}

  /** Makes sure the timer fires no later than `at` (epoch ms). */
  armFor(at: number): void {
    if (at >= this.armedFor) return;
    this.cancel();
    const clock = this.clock();
    this.armedFor = at;
    this.handle = clock.setTimeout(
      () => {
        this.handle = undefined;
        this.armedFor = Number.POSITIVE_INFINITY;
        this.onFire();
      },
      Math.max(0, at - clock.now()),
    );
  }

  /** Disarms the timer. */
  cancel(): void {
    if (this.handle !== undefined) this.clock().clearTimeout(this.handle);
    this.handle = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
  }
}
