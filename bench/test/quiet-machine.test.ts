import { describe, expect, it } from 'vitest';
import { busiestRound, busyShare, parseProcStat } from '../src/quiet-machine.ts';

const STAT = (user: number, idle: number) =>
  `cpu  ${user} 0 100 ${idle} 50 0 10 0 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\nintr 1 2 3\n`;

describe('parseProcStat', () => {
  it('reads the aggregate line: busy is user, nice, system, irq, softirq and steal; idle and iowait are not', () => {
    expect(parseProcStat(STAT(1000, 5000))).toEqual({ busy: 1110, total: 6160 });
  });

  it('refuses text without an aggregate cpu line, or with a malformed one', () => {
    expect(() => parseProcStat('cpu0 1 2 3 4\n')).toThrow(/no aggregate "cpu" line/);
    expect(() => parseProcStat('cpu  1 x 3 4\n')).toThrow(/malformed/);
    expect(() => parseProcStat('cpu  1 2\n')).toThrow(/malformed/);
  });
});

describe('busyShare', () => {
  it('is the busy share of the time that passed between two readings', () => {
    const before = parseProcStat(STAT(1000, 5000));
    expect(busyShare(before, parseProcStat(STAT(1100, 5300)))).toBeCloseTo(0.25);
    expect(busyShare(before, parseProcStat(STAT(1000, 5400)))).toBe(0);
  });

  it('is 0 when no time passed', () => {
    const reading = parseProcStat(STAT(1000, 5000));
    expect(busyShare(reading, reading)).toBe(0);
  });
});

describe('busiestRound', () => {
  it('keeps the busiest reading and adds up the waits', () => {
    expect(
      busiestRound([
        { busyShare: 0.05, waitedMs: 0 },
        undefined,
        { busyShare: 0.3, waitedMs: 1500 },
        { busyShare: 0.1, waitedMs: 500 },
      ]),
    ).toEqual({ busyShare: 0.3, waitedMs: 2000 });
  });

  it('is undefined when nothing was measured (no /proc/stat)', () => {
    expect(busiestRound([undefined, undefined])).toBeUndefined();
    expect(busiestRound([])).toBeUndefined();
  });
});
