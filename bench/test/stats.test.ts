import { describe, expect, it } from 'vitest';
import {
  median,
  overlapRates,
  pairedRatio,
  percentile,
  ratio,
  ratioRange,
  roundOrder,
  roundRatios,
  summarize,
} from '../src/stats.ts';

describe('percentile', () => {
  it.each([
    [[5], 50, 5],
    [[1, 2, 3, 4], 50, 2.5],
    [[4, 1, 3, 2], 0, 1],
    [[4, 1, 3, 2], 100, 4],
    [[10, 20, 30, 40, 50], 95, 48],
    [[10, 20, 30, 40, 50], 25, 20],
  ])('of %j at p%d is %d', (values, p, expected) => {
    expect(percentile(values, p)).toBeCloseTo(expected, 10);
  });

  it('refuses an empty set and out-of-range percentiles', () => {
    expect(() => percentile([], 50)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], -1)).toThrow(RangeError);
  });

  it('does not reorder its input', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });
});

describe('summarize', () => {
  it('gives the median, extremes and the range relative to the median', () => {
    expect(summarize([90, 110, 100])).toEqual({
      median: 100,
      min: 90,
      max: 110,
      spread: 0.2,
      samples: [90, 110, 100],
    });
  });

  it('has no spread with one sample', () => {
    expect(summarize([7]).spread).toBe(0);
  });
});

describe('ratio', () => {
  it('divides Switchyard by the peer', () => {
    expect(ratio(90, 100)).toBeCloseTo(0.9, 10);
  });

  it('is undefined without a usable peer figure', () => {
    expect(ratio(1, 0)).toBeUndefined();
    expect(ratio(1, undefined)).toBeUndefined();
    expect(ratio(1, Number.NaN)).toBeUndefined();
  });
});

describe('roundOrder', () => {
  it('rotates so every contender runs first once per cycle', () => {
    const names = ['a', 'b', 'c'];
    expect([0, 1, 2, 3].map((round) => roundOrder(names, round).join(''))).toEqual([
      'abc',
      'bca',
      'cab',
      'abc',
    ]);
  });
});

describe('pairedRatio', () => {
  it('takes the median of the per-round ratios', () => {
    // Load drifts: both halve in round 2, the ratio stays 0.5 each round.
    expect(pairedRatio([50, 25, 50], [100, 50, 100])).toBeCloseTo(0.5, 10);
  });

  it('falls back to the ratio of medians when rounds do not pair up', () => {
    expect(pairedRatio([90], [100, 100, 100])).toBeCloseTo(0.9, 10);
    expect(pairedRatio([], [1])).toBeUndefined();
  });
});

describe('roundRatios and ratioRange', () => {
  it('pair the rounds when they line up', () => {
    expect(roundRatios([50, 30], [100, 60])).toEqual([0.5, 0.5]);
    expect(ratioRange([40, 30, 90], [100, 50, 100])).toEqual([0.4, 0.9]);
  });

  it('fall back to the extremes of each side when they do not', () => {
    expect(roundRatios([1, 2], [1])).toBeUndefined();
    expect(roundRatios([1, 2], [1, 0])).toBeUndefined();
    expect(ratioRange([80, 100], [100, 50, 200])).toEqual([0.4, 2]);
  });

  it('have no range without figures or with a zero peer', () => {
    expect(ratioRange([], [1])).toBeUndefined();
    expect(ratioRange([1], [0])).toBeUndefined();
  });
});

describe('overlapRates', () => {
  const evenly = (from: number, perSecond: number, count: number) =>
    Array.from({ length: count }, (_, i) => from + (i * 1000) / perSecond);

  it('measures each process inside the window all of them were busy', () => {
    const [fast, slow] = overlapRates([evenly(0, 1000, 1000), evenly(100, 800, 1000)]);
    expect(fast).toBeCloseTo(1000, -1);
    expect(slow).toBeCloseTo(800, -1);
  });

  it('leaves out the start-up and the stragglers', () => {
    const straggling = [...evenly(0, 1000, 900), ...evenly(5000, 10, 100)];
    const [rate] = overlapRates([straggling, evenly(0, 1000, 1000)]);
    expect(rate).toBeCloseTo(1000, -1);
  });

  it('refuses processes that did not overlap, or too few completions', () => {
    expect(() => overlapRates([evenly(0, 1000, 100), evenly(10_000, 1000, 100)])).toThrow(RangeError);
    expect(() => overlapRates([[1, 2, 3]])).toThrow(RangeError);
  });
});
