import { describe, expect, it } from 'vitest';
import { freeSlots } from '../src/consume.js';

describe('freeSlots (claim budget)', () => {
  it('free slots are the ones no handler runs in, while up to `concurrency` completions are being written', () => {
    expect(freeSlots(10, 0, 0)).toBe(10);
    expect(freeSlots(10, 4, 0)).toBe(6);
    expect(freeSlots(10, 4, 10)).toBe(6);
  });

  it('writes lagging past `concurrency` take slots away, one per completion over, down to none', () => {
    expect(freeSlots(10, 4, 11)).toBe(5);
    expect(freeSlots(10, 4, 16)).toBe(0);
    expect(freeSlots(10, 0, 25)).toBe(-5);
  });
});
