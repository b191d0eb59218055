/**
 * How the parts of one consumer wake each other: idle long-poll waits and sleeps wake when a
 * slot frees or on stop; receive loops waiting for room wake when capacity returns.
 */
export class WakeSignals {
  /** Woken when a slot frees or on stop: idle long-poll waits and sleeps. */
  private readonly wakers = new Set<() => void>();
  /** Woken when capacity returns (a slot freed, a short poll's promise given back) or on stop. */
  private readonly slotWaiters = new Set<() => void>();

  /** Wakes everything that waits. */
  nudge(): void {
    wake(this.wakers);
    wake(this.slotWaiters);
  }

  /** Wakes what waits for room to receive. */
  capacityReturned(): void {
    wake(this.slotWaiters);
  }

  /** Resolves on the next `nudge` (an idle wait that a freed slot cuts short). */
  onNudge(resolve: () => void): void {
    this.wakers.add(resolve);
  }

  /** Waits until `ready()` holds, re-checking whenever capacity returns. */
  async until(ready: () => boolean): Promise<void> {
    while (!ready()) await new Promise<void>((resolve) => this.slotWaiters.add(resolve));
  }

  /** Real-time sleep (SQS runs on real time), cut short by `nudge()`. */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }
}

function wake(waiters: Set<() => void>): void {
  const woken = [...waiters];
  waiters.clear();
  for (const resolve of woken) resolve();
}
