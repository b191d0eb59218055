import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { SettleWatchdog } from '../src/settle-watchdog.js';

describe('SettleWatchdog', () => {
  it.each([
    [30_000, 1000],
    [2_000, 200],
    [100, 10],
    [50, 10],
  ])('with leases of %i ms it checks every %i ms', (leaseMs, everyMs) => {
    expect(SettleWatchdog.checkEveryMsFor(leaseMs)).toBe(everyMs);
  });

  it('gives a call up once its deadline has passed, within one check, and not before', async () => {
    const clock = new ManualClock(0);
    const watchdog = new SettleWatchdog(clock, 100);
    const givenUp: Array<[string, number]> = [];
    watchdog.watch(250, () => givenUp.push(['a', clock.now()]));
    watchdog.watch(400, () => givenUp.push(['b', clock.now()]));
    await clock.advance(299);
    expect(givenUp).toEqual([]);
    await clock.advance(1);
    expect(givenUp).toEqual([['a', 300]]);
    await clock.advance(100);
    expect(givenUp).toEqual([
      ['a', 300],
      ['b', 400],
    ]);
  });

  it('never gives up a call that answered, and keeps no timer while nothing is pending', async () => {
    const clock = new ManualClock(0);
    const watchdog = new SettleWatchdog(clock, 100);
    const givenUp: string[] = [];
    const answered = watchdog.watch(50, () => givenUp.push('answered'));
    watchdog.watch(150, () => givenUp.push('hung'));
    expect(clock.pendingTimers).toBe(1);
    watchdog.answered(answered);
    await clock.advance(1000);
    expect(givenUp).toEqual(['hung']);
    expect(clock.pendingTimers).toBe(0);
    // Armed again by the next call.
    watchdog.watch(1100, () => givenUp.push('later'));
    expect(clock.pendingTimers).toBe(1);
  });
});
