import { describe, expect, it } from 'vitest';
import { assertValidCron, nextCronTick, nextScheduleTick } from '../src/cron.js';
import { InvalidOptionsError } from '../src/errors.js';

const at = (iso: string) => new Date(iso);

describe('nextCronTick', () => {
  it.each<[string, string, string, string | undefined, string]>([
    // [name, expression, after, tz, expected]
    [
      'every 5 minutes, from a tick itself (strictly after)',
      '*/5 * * * *',
      '2026-01-01T00:05:00.000Z',
      undefined,
      '2026-01-01T00:10:00.000Z',
    ],
    [
      'every 5 minutes, 1 ms before a tick',
      '*/5 * * * *',
      '2026-01-01T00:04:59.999Z',
      undefined,
      '2026-01-01T00:05:00.000Z',
    ],
    [
      'every 5 minutes, 1 ms after a tick',
      '*/5 * * * *',
      '2026-01-01T00:05:00.001Z',
      undefined,
      '2026-01-01T00:10:00.000Z',
    ],
    [
      'every 5 minutes across midnight',
      '*/5 * * * *',
      '2026-12-31T23:58:00.000Z',
      undefined,
      '2027-01-01T00:00:00.000Z',
    ],
    ['every minute', '* * * * *', '2026-01-01T00:00:30.000Z', undefined, '2026-01-01T00:01:00.000Z'],
    ['daily at 09:00 UTC', '0 9 * * *', '2026-01-01T09:00:00.000Z', 'UTC', '2026-01-02T09:00:00.000Z'],
    [
      'weekdays only: Friday -> Monday',
      '0 9 * * 1-5',
      '2026-01-02T10:00:00.000Z',
      undefined,
      '2026-01-05T09:00:00.000Z',
    ],
    ['leap day', '0 0 29 2 *', '2026-01-01T00:00:00.000Z', undefined, '2028-02-29T00:00:00.000Z'],
    [
      'seconds field: every 10 s',
      '*/10 * * * * *',
      '2026-01-01T00:00:00.000Z',
      undefined,
      '2026-01-01T00:00:10.000Z',
    ],
    [
      'seconds field: from mid-second',
      '*/10 * * * * *',
      '2026-01-01T00:00:09.500Z',
      undefined,
      '2026-01-01T00:00:10.000Z',
    ],
    [
      'seconds field: second 30 of each minute',
      '30 * * * * *',
      '2026-01-01T00:00:30.000Z',
      undefined,
      '2026-01-01T00:01:30.000Z',
    ],
    ['alias @daily', '@daily', '2026-01-01T00:05:00.000Z', undefined, '2026-01-02T00:00:00.000Z'],
    [
      'surrounding whitespace is fine',
      '  */5 * * * *  ',
      '2026-01-01T00:01:00.000Z',
      undefined,
      '2026-01-01T00:05:00.000Z',
    ],
    [
      'New York 09:00 in winter is 14:00 UTC',
      '0 9 * * *',
      '2026-01-10T00:00:00.000Z',
      'America/New_York',
      '2026-01-10T14:00:00.000Z',
    ],
    [
      'New York 09:00 in summer is 13:00 UTC',
      '0 9 * * *',
      '2026-07-10T00:00:00.000Z',
      'America/New_York',
      '2026-07-10T13:00:00.000Z',
    ],
    // Europe/Berlin springs forward on 2026-03-29 at 02:00 CET (01:00 UTC) to 03:00 CEST.
    [
      'Berlin 09:00 the day before spring-forward (CET)',
      '0 9 * * *',
      '2026-03-28T00:00:00.000Z',
      'Europe/Berlin',
      '2026-03-28T08:00:00.000Z',
    ],
    [
      'Berlin 09:00 on spring-forward day (CEST)',
      '0 9 * * *',
      '2026-03-28T12:00:00.000Z',
      'Europe/Berlin',
      '2026-03-29T07:00:00.000Z',
    ],
    [
      'Berlin 02:30 does not exist on spring-forward day: runs at 03:30 CEST',
      '30 2 * * *',
      '2026-03-28T12:00:00.000Z',
      'Europe/Berlin',
      '2026-03-29T01:30:00.000Z',
    ],
    [
      'Berlin hourly skips the missing hour',
      '0 * * * *',
      '2026-03-29T00:00:00.000Z',
      'Europe/Berlin',
      '2026-03-29T01:00:00.000Z',
    ],
    // Europe/Berlin falls back on 2026-10-25 at 03:00 CEST (01:00 UTC) to 02:00 CET: 02:30 happens twice.
    [
      'Berlin 02:30 on fall-back day fires at the first 02:30 (CEST)',
      '30 2 * * *',
      '2026-10-24T12:00:00.000Z',
      'Europe/Berlin',
      '2026-10-25T00:30:00.000Z',
    ],
    [
      'Berlin 02:30 fires once on fall-back day, not again at 02:30 CET',
      '30 2 * * *',
      '2026-10-25T00:30:00.000Z',
      'Europe/Berlin',
      '2026-10-26T01:30:00.000Z',
    ],
    [
      'Berlin hourly during fall-back: 02:00 CEST then 02:00 CET',
      '0 * * * *',
      '2026-10-25T00:00:00.000Z',
      'Europe/Berlin',
      '2026-10-25T01:00:00.000Z',
    ],
    [
      'Berlin hourly after the repeated hour',
      '0 * * * *',
      '2026-10-25T01:00:00.000Z',
      'Europe/Berlin',
      '2026-10-25T02:00:00.000Z',
    ],
  ])('%s', (_name, expression, after, tz, expected) => {
    expect(nextCronTick(expression, at(after), tz).toISOString()).toBe(expected);
  });

  it('defaults to UTC', () => {
    const after = at('2026-06-01T00:00:00.000Z');
    expect(nextCronTick('0 9 * * *', after)).toEqual(nextCronTick('0 9 * * *', after, 'UTC'));
  });

  it('is strictly increasing when fed its own output', () => {
    let tick = at('2026-01-01T00:00:00.000Z');
    const ticks: string[] = [];
    for (let i = 0; i < 4; i++) {
      tick = nextCronTick('*/15 * * * *', tick);
      ticks.push(tick.toISOString());
    }
    expect(ticks).toEqual([
      '2026-01-01T00:15:00.000Z',
      '2026-01-01T00:30:00.000Z',
      '2026-01-01T00:45:00.000Z',
      '2026-01-01T01:00:00.000Z',
    ]);
  });

  it('computes the same tick for hashed (H) fields in every process', () => {
    const after = at('2026-01-01T00:00:00.000Z');
    const ticks = [0, 1, 2, 3].map(() => nextCronTick('H H * * *', after).toISOString());
    expect(new Set(ticks).size).toBe(1);
    const tick = new Date(ticks[0]!);
    expect(tick.getTime()).toBeGreaterThan(after.getTime());
    expect(tick.getTime() - after.getTime()).toBeLessThanOrEqual(86_400_000);
    expect(tick.getUTCSeconds()).toBe(0);
  });

  it('rejects an invalid date', () => {
    expect(() => nextCronTick('* * * * *', new Date(Number.NaN))).toThrow(InvalidOptionsError);
  });
});

describe('assertValidCron', () => {
  it.each([
    ['* * * * *'],
    ['*/5 * * * *'],
    ['0 9 * * 1-5'],
    ['0 0 1 jan,jul *'],
    ['*/10 * * * * *'],
    ['0 0 12 * * MON'],
    ['@hourly'],
  ])('accepts %s', (expression) => {
    expect(() => assertValidCron(expression)).not.toThrow();
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['4 fields', '* * * *'],
    ['7 fields', '* * * * * * *'],
    ['minute out of range', '61 * * * *'],
    ['hour out of range', '0 24 * * *'],
    ['day of week out of range', '0 0 * * 8'],
    ['words', 'every day'],
    ['garbage field', '* * * * banana'],
    ['never fires: February 30th', '0 0 30 2 *'],
    ['never fires: April 31st', '0 0 31 4 *'],
  ])('rejects %s', (_name, expression) => {
    expect(() => assertValidCron(expression)).toThrow(InvalidOptionsError);
  });

  it('keeps the parser error as cause and names the expression', () => {
    const error = captureError(() => assertValidCron('61 * * * *'));
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect(error.message).toContain('"61 * * * *"');
    expect((error as InvalidOptionsError).cause).toBeInstanceOf(Error);
    expect(error.message).toContain(((error as InvalidOptionsError).cause as Error).message);
  });

  it.each([['Not/AZone'], ['Europe/Berlinn'], ['']])('rejects time zone %j', (tz) => {
    const error = captureError(() => assertValidCron('* * * * *', tz));
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect(error.message).toContain('time zone');
    expect((error as InvalidOptionsError).cause).toBeInstanceOf(RangeError);
  });

  it.each([['UTC'], ['Europe/Berlin'], ['America/New_York'], ['Asia/Kolkata']])(
    'accepts time zone %s',
    (tz) => {
      expect(() => assertValidCron('0 9 * * *', tz)).not.toThrow();
    },
  );

  it('rejects an unknown time zone from nextCronTick too', () => {
    expect(() => nextCronTick('* * * * *', new Date(), 'Mars/Olympus')).toThrow(InvalidOptionsError);
  });

  it('rejects a non-string expression', () => {
    expect(() => assertValidCron(5 as unknown as string)).toThrow(InvalidOptionsError);
  });
});

describe('nextScheduleTick', () => {
  it.each<[string, number, string, string]>([
    ['30 s, mid-interval', 30_000, '2026-01-01T00:00:10.000Z', '2026-01-01T00:00:30.000Z'],
    [
      '30 s, exactly on a tick (strictly after)',
      30_000,
      '2026-01-01T00:00:30.000Z',
      '2026-01-01T00:01:00.000Z',
    ],
    ['30 s, 1 ms before a tick', 30_000, '2026-01-01T00:00:29.999Z', '2026-01-01T00:00:30.000Z'],
    ['1 h aligned to the epoch', 3_600_000, '2026-01-01T10:20:00.000Z', '2026-01-01T11:00:00.000Z'],
    ['7 s, epoch-aligned not minute-aligned', 7000, '1970-01-01T00:00:00.000Z', '1970-01-01T00:00:07.000Z'],
    ['1 ms', 1, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.001Z'],
  ])('every %s', (_name, everyMs, after, expected) => {
    expect(nextScheduleTick({ everyMs }, at(after)).toISOString()).toBe(expected);
  });

  it('gives every scheduler the same tick, whenever it looks', () => {
    const lookTimes = ['2026-01-01T00:00:01.000Z', '2026-01-01T00:00:17.123Z', '2026-01-01T00:00:29.999Z'];
    const ticks = lookTimes.map((time) => nextScheduleTick({ everyMs: 30_000 }, at(time)).toISOString());
    expect(new Set(ticks)).toEqual(new Set(['2026-01-01T00:00:30.000Z']));
  });

  it('delegates cron with its time zone', () => {
    expect(
      nextScheduleTick(
        { cron: '0 9 * * *', tz: 'Europe/Berlin' },
        at('2026-07-01T00:00:00.000Z'),
      ).toISOString(),
    ).toBe('2026-07-01T07:00:00.000Z');
  });

  it('defaults cron to UTC', () => {
    expect(nextScheduleTick({ cron: '0 9 * * *' }, at('2026-07-01T00:00:00.000Z')).toISOString()).toBe(
      '2026-07-01T09:00:00.000Z',
    );
  });

  it.each<[string, { cron?: string; everyMs?: number; tz?: string }]>([
    ['neither cron nor every', {}],
    ['both cron and every', { cron: '* * * * *', everyMs: 1000 }],
    ['zero interval', { everyMs: 0 }],
    ['negative interval', { everyMs: -1000 }],
    ['NaN interval', { everyMs: Number.NaN }],
    ['infinite interval', { everyMs: Number.POSITIVE_INFINITY }],
    ['bad cron', { cron: 'nope' }],
    ['bad tz', { cron: '* * * * *', tz: 'Nowhere/Land' }],
  ])('rejects %s', (_name, schedule) => {
    expect(() => nextScheduleTick(schedule, at('2026-01-01T00:00:00.000Z'))).toThrow(InvalidOptionsError);
  });

  it('rejects an invalid date for intervals', () => {
    expect(() => nextScheduleTick({ everyMs: 1000 }, new Date(Number.NaN))).toThrow(InvalidOptionsError);
  });
});

function captureError(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to throw');
}
