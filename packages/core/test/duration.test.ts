import { describe, expect, it } from 'vitest';
import { parseDuration, parseOptionalDuration } from '../src/duration.js';
import { InvalidOptionsError } from '../src/errors.js';

describe('parseDuration', () => {
  it.each<[string | number, number]>([
    [0, 0],
    [1500, 1500],
    [0.5, 0.5],
    ['0ms', 0],
    ['250ms', 250],
    ['30s', 30_000],
    ['1.5s', 1500],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['0.25d', 21_600_000],
    ['10 s', 10_000],
    ['  5m  ', 300_000],
    ['1.0005s', 1001], // rounded to whole ms
  ])('%j -> %d ms', (input, expected) => {
    expect(parseDuration(input)).toBe(expected);
  });

  it.each<[string, unknown]>([
    ['negative number', -1],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['negative string', '-5s'],
    ['unknown unit', '5w'],
    ['uppercase unit', '5S'],
    ['long unit name', '5 minutes'],
    ['no unit', '500'],
    ['no number', 'ms'],
    ['empty string', ''],
    ['leading dot', '.5s'],
    ['compound', '1h30m'],
    ['null', null],
    ['undefined', undefined],
    ['object', { ms: 5 }],
  ])('rejects %s', (_name, input) => {
    expect(() => parseDuration(input as string)).toThrow(InvalidOptionsError);
  });

  it('names what was being parsed in the message', () => {
    expect(() => parseDuration('soon', 'lease duration')).toThrow(/^lease duration must be ms or a string/);
    expect(() => parseDuration(-1, 'timeout')).toThrow('timeout must be a non-negative number of ms, got -1');
  });

  it('calls it "duration" by default', () => {
    expect(() => parseDuration('soon')).toThrow(/^duration must be/);
  });
});

describe('parseOptionalDuration', () => {
  it.each<[string | number | undefined, number | undefined]>([
    [undefined, undefined],
    ['1s', 1000],
    [0, 0],
  ])('%j -> %j', (input, expected) => {
    expect(parseOptionalDuration(input)).toBe(expected);
  });

  it('still rejects a bad value, naming it', () => {
    expect(() => parseOptionalDuration('later', 'delay')).toThrow(/^delay must be/);
  });
});
