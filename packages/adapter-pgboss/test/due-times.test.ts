/** The consumer's due-time timer (on a manual clock): every known time wakes it, in order, and never early. */
import { type Clock, ManualClock } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { DueTimes } from '../src/due-times.js';

function recorder(clock: Clock): { due: DueTimes; wakes: number[] } {
  const wakes: number[] = [];
  return { due: new DueTimes(clock, () => wakes.push(clock.now()), 3), wakes };
}

describe('due times', () => {
  it('wakes at every remembered time, not only the earliest (a line of deferred jobs)', async () => {
    const clock = new ManualClock(new Date(0));
    const { due, wakes } = recorder(clock);
    due.add(30);
    due.add(10);
    due.add(20);
    due.add(20);
    expect(due.size).toBe(3);
    await clock.advance(10);
    await clock.advance(10);
    await clock.advance(10);
    expect(wakes).toEqual([10, 20, 30]);
    expect(due.size).toBe(0);
  });

  it('a timer that fires before the clock reads its time waits the rest instead of waking early', async () => {
    const manual = new ManualClock(new Date(0));
    // The first timer fires a millisecond early, as Node's sometimes do.
    let early = true;
    const clock: Clock = {
      now: () => manual.now(),
      setTimeout: (fn, ms) => {
        const shift = early ? 1 : 0;
        early = false;
        return manual.setTimeout(fn, ms - shift);
      },
      clearTimeout: (handle) => manual.clearTimeout(handle),
    };
    const { due, wakes } = recorder(clock);
    due.add(100);
    await manual.advance(99);
    expect(wakes).toEqual([]);
    await manual.advance(1);
    expect(wakes).toEqual([100]);
  });

  it('keeps at most its bound, dropping the latest; clear forgets everything', async () => {
    const clock = new ManualClock(new Date(0));
    const { due, wakes } = recorder(clock);
    for (const at of [40, 10, 30, 20]) due.add(at);
    expect(due.size).toBe(3);
    await clock.advance(50);
    expect(wakes).toEqual([10, 20, 30]);
    due.add(60);
    due.clear();
    await clock.advance(20);
    expect(wakes).toEqual([10, 20, 30]);
  });
});
