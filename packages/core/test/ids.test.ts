import { describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../src/errors.js';
import { isUuid, newJobId, scheduleTickJobId } from '../src/ids.js';

/** The 48-bit timestamp at the front of a v7 or our v8 id. */
const timestampOf = (id: string) => Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);
const versionOf = (id: string) => id[14];
const variantBitsOf = (id: string) => Number.parseInt(id[19]!, 16) >> 2; // top two bits of the variant nibble
/** Our 26-bit monotonic counter: rand_a (12 bits) then the 14 bits after the variant. */
const counterOf = (id: string) => {
  const hex = id.replace(/-/g, '');
  const randA = Number.parseInt(hex.slice(13, 16), 16);
  const low = Number.parseInt(hex.slice(16, 20), 16) & 0x3fff;
  return randA * 2 ** 14 + low;
};

describe('newJobId', () => {
  it.each<[string, number]>([
    ['the epoch', 0],
    ['a 2026 time', Date.parse('2026-11-22T12:34:56.789Z')],
    ['the largest 48-bit ms', 2 ** 48 - 1],
  ])('encodes %s as the timestamp, version 7 and variant 10', (_name, now) => {
    const id = newJobId(now);
    expect(isUuid(id)).toBe(true);
    expect(id).toBe(id.toLowerCase());
    expect(timestampOf(id)).toBe(now);
    expect(versionOf(id)).toBe('7');
    expect(variantBitsOf(id)).toBe(0b10);
  });

  it('defaults to the current time', () => {
    const before = Date.now();
    const id = newJobId();
    const after = Date.now();
    expect(timestampOf(id)).toBeGreaterThanOrEqual(before);
    expect(timestampOf(id)).toBeLessThanOrEqual(after);
  });

  it('sorts as strings in creation order within one millisecond', () => {
    const now = Date.parse('2026-01-01T00:00:00.000Z');
    const ids = Array.from({ length: 5000 }, () => newJobId(now));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    // The counter goes up by exactly one per id inside the millisecond.
    const counters = ids.map(counterOf);
    for (let i = 1; i < counters.length; i++) expect(counters[i]).toBe(counters[i - 1]! + 1);
  });

  it('sorts in creation order across milliseconds', () => {
    const start = Date.parse('2026-01-01T00:00:00.000Z');
    const ids: string[] = [];
    for (let ms = 0; ms < 50; ms++) for (let i = 0; i < 20; i++) ids.push(newJobId(start + ms));
    expect([...ids].sort()).toEqual(ids);
  });

  it('seeds the counter randomly per millisecond, leaving room to count', () => {
    const seeds = Array.from({ length: 20 }, (_, i) => counterOf(newJobId(1_000_000 + i * 7)));
    for (const seed of seeds) expect(seed).toBeLessThan(2 ** 25);
    expect(new Set(seeds).size).toBeGreaterThan(1);
  });

  it('honours an earlier injected time instead of reusing the later one', () => {
    newJobId(Date.parse('2030-01-01T00:00:00.000Z'));
    const earlier = Date.parse('2020-01-01T00:00:00.000Z');
    expect(timestampOf(newJobId(earlier))).toBe(earlier);
  });

  it('is unique across many calls', () => {
    const ids = new Set(Array.from({ length: 20_000 }, () => newJobId()));
    expect(ids.size).toBe(20_000);
  });

  it.each([-1, 1.5, Number.NaN, 2 ** 48])('rejects timestamp %s', (now) => {
    expect(() => newJobId(now)).toThrow(InvalidOptionsError);
  });
});

describe('scheduleTickJobId', () => {
  const tick = new Date('2026-05-01T09:00:00.000Z');

  it('is deterministic for the same key and tick', () => {
    expect(scheduleTickJobId('expire-orders', tick)).toBe(scheduleTickJobId('expire-orders', new Date(tick)));
  });

  it.each<[string, string, Date]>([
    ['another key', 'other-schedule', tick],
    ['another tick', 'expire-orders', new Date(tick.getTime() + 60_000)],
    ['a tick 1 ms later', 'expire-orders', new Date(tick.getTime() + 1)],
  ])('differs for %s', (_name, key, otherTick) => {
    expect(scheduleTickJobId(key, otherTick)).not.toBe(scheduleTickJobId('expire-orders', tick));
  });

  it('starts with the tick ms, has version 8 and variant 10', () => {
    const id = scheduleTickJobId('expire-orders', tick);
    expect(isUuid(id)).toBe(true);
    expect(timestampOf(id)).toBe(tick.getTime());
    expect(versionOf(id)).toBe('8');
    expect(variantBitsOf(id)).toBe(0b10);
  });

  it('matches a known value (the layout must never change: it deduplicates ticks across releases)', () => {
    // Computed independently: Python's hashlib.sha256(b'expire-orders@2026-05-01T09:00:00.000Z'),
    // bytes 6..15 after the 6-byte big-endian tick ms, then version and variant bits set.
    expect(scheduleTickJobId('expire-orders', tick)).toBe('019de2c4-2a80-8ca8-a95e-1de6d8427768');
  });

  it('sorts by tick time', () => {
    const ids = [0, 1, 2, 3].map((i) =>
      scheduleTickJobId(`key-${3 - i}`, new Date(tick.getTime() + i * 1000)),
    );
    expect([...ids].sort()).toEqual(ids);
  });

  it.each([new Date(Number.NaN), new Date(-1)])('rejects tick %s', (bad) => {
    expect(() => scheduleTickJobId('k', bad)).toThrow(InvalidOptionsError);
  });
});

describe('isUuid', () => {
  it.each<[string, boolean]>([
    ['01890a5d-ac96-774b-bcce-b302099a8057', true],
    ['01890A5D-AC96-774B-BCCE-B302099A8057', true],
    ['00000000-0000-0000-0000-000000000000', true],
    ['123e4567-e89b-12d3-a456-426614174000', true],
    ['01890a5dac96774bbcceb302099a8057', false],
    ['01890a5d-ac96-774b-bcce-b302099a805', false],
    ['01890a5d-ac96-774b-bcce-b302099a80577', false],
    ['g1890a5d-ac96-774b-bcce-b302099a8057', false],
    [' 01890a5d-ac96-774b-bcce-b302099a8057', false],
    ['{01890a5d-ac96-774b-bcce-b302099a8057}', false],
    ['', false],
  ])('%j -> %s', (value, expected) => {
    expect(isUuid(value)).toBe(expected);
  });

  it('is false for non-strings', () => {
    expect(isUuid(42 as unknown as string)).toBe(false);
  });
});
