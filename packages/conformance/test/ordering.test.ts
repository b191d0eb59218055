import type { JobRecord } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { expectedRunOrder } from '../src/groups/ordering-priority.js';

function job(label: string, index: number, priority: number, runAt: number) {
  return { label, index, record: { priority, runAt: new Date(runAt) } as JobRecord };
}

describe('expectedRunOrder', () => {
  it('orders by priority, then runAt, then enqueue order', () => {
    expect(
      expectedRunOrder([
        job('late-p5', 0, 5, 300),
        job('p5-first', 1, 5, 100),
        job('p1', 2, 1, 500),
        job('p5-same-time-a', 3, 5, 200),
        job('p5-same-time-b', 4, 5, 200),
        job('p0', 5, 0, 900),
      ]),
    ).toEqual(['p0', 'p1', 'p5-first', 'p5-same-time-a', 'p5-same-time-b', 'late-p5']);
  });
});
