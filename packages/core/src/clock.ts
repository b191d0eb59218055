/**
 * Time source for core and adapters. Inject a `ManualClock` in tests so delays,
 * timeouts and schedules run without real sleeps.
 */
export interface Clock {
  now(): number;
  /** Calls `fn` once, not before `now()` reads the time of the call plus `ms`. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Opaque timer handle. */
export type TimerHandle = { readonly __timer: unique symbol } | ReturnType<typeof setTimeout>;

/** Longest wait Node's `setTimeout` takes; a longer one fires at once (with a warning). */
const MAX_NODE_TIMEOUT_MS = 2_147_483_647;

/** A real timer: the Node timeout now pending for it (replaced when it re-arms). */
interface SystemTimer {
  timeout: ReturnType<typeof setTimeout>;
}

/**
 * Calls `fn` once `Date.now()` reaches `dueAt`. Node measures timeouts on its loop's
 * monotonic time, which can run a millisecond ahead of the wall clock, so a timeout may
 * fire while `Date.now()` still reads before the due time; callers that compare the time
 * (is the job due yet?) would then find nothing to do. This waits out the rest, and
 * splits waits longer than Node allows, so a timer on this clock never fires early.
 */
function armSystemTimer(timer: SystemTimer | undefined, fn: () => void, dueAt: number): SystemTimer {
  const left = dueAt - Date.now();
  const timeout = setTimeout(
    () => {
      if (dueAt > Date.now()) armSystemTimer(armed, fn, dueAt);
      else fn();
    },
    Math.max(0, Math.min(left, MAX_NODE_TIMEOUT_MS)),
  );
  timeout.unref?.();
  const armed = timer ?? { timeout };
  armed.timeout = timeout;
  return armed;
}

/** The real clock. Timers are unref'd so they never keep a process alive, and never fire before `now()` reaches their time. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => armSystemTimer(undefined, fn, Date.now() + ms) as unknown as TimerHandle,
  clearTimeout: (handle) => clearTimeout((handle as unknown as SystemTimer).timeout),
};

interface ManualTimer {
  at: number;
  seq: number;
  fn: () => void;
}

/** A clock that only moves when told to. `advance(ms)` fires due timers in order. */
export class ManualClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly timers = new Map<number, ManualTimer>();

  constructor(start: number | Date = Date.UTC(2030, 0, 1)) {
    this.current = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const seq = ++this.seq;
    this.timers.set(seq, { at: this.current + Math.max(0, ms), seq, fn });
    return seq as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as unknown as number);
  }

  /** Moves time forward, firing every timer that falls due, in time order; awaits microtasks between them. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      const next = [...this.timers.values()]
        .filter((t) => t.at <= target)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.timers.delete(next.seq);
      this.current = Math.max(this.current, next.at);
      next.fn();
      await flushMicrotasks();
    }
    this.current = target;
    await flushMicrotasks();
  }

  /** Number of pending timers (handy in assertions). */
  get pendingTimers(): number {
    return this.timers.size;
  }
}

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  await new Promise<void>((resolve) => setImmediate(resolve));
}
