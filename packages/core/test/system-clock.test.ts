import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../src/clock.js';

// Fake timers drive Node's timeouts; `setSystemTime` moves only what `Date.now()` reads, which
// is how a timeout can fire while the wall clock still reads before its due time.
describe('systemClock', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(Date.UTC(2030, 0, 1));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('never fires before now() reaches the due time, even when the timeout fires early', () => {
    const dueAt = systemClock.now() + 10;
    const firedAt: number[] = [];
    systemClock.setTimeout(() => firedAt.push(systemClock.now()), 10);
    vi.setSystemTime(systemClock.now() - 3); // the wall clock lags the timer's own clock by 3 ms
    vi.advanceTimersByTime(10);
    expect(firedAt).toEqual([]);
    vi.advanceTimersByTime(3);
    expect(firedAt).toEqual([dueAt]);
  });

  it('clears a timer that re-armed after firing early', () => {
    const fn = vi.fn();
    const handle = systemClock.setTimeout(fn, 10);
    vi.setSystemTime(systemClock.now() - 3);
    vi.advanceTimersByTime(10);
    systemClock.clearTimeout(handle);
    vi.advanceTimersByTime(100);
    expect(fn).not.toHaveBeenCalled();
  });

  it('waits longer than Node allows in one timeout (about 24.8 days) in several', () => {
    const max = 2_147_483_647;
    const fn = vi.fn();
    systemClock.setTimeout(fn, max + 1000);
    vi.advanceTimersByTime(max);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1000);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('fires at once for a wait of zero or less', () => {
    const fn = vi.fn();
    systemClock.setTimeout(fn, -5);
    vi.advanceTimersByTime(0);
    expect(fn).toHaveBeenCalledTimes(1);
  });
});
