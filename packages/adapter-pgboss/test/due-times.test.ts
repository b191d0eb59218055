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
