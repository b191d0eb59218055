import { JOB_STATES } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { LEGACY_STATUS_OF_STATE, toSwitchyardPriority } from '../../src/legacy/index.js';
import { legacyStatsOfCounts, statesOfLegacyStatus } from '../../src/legacy/legacy-mapping.js';

describe('legacy mapping', () => {
  it.each([
    [undefined, 5],
    [0, 0],
    [3, 3],
    [9, 9],
    [-4, 0],
    [12, 9],
    [2.4, 2],
  ])('priority %s → %s (lower first, like the legacy heap)', (legacy, switchyard) => {
    expect(toSwitchyardPriority(legacy)).toBe(switchyard);
  });

  it('rejects a priority that is not a number', () => {
    expect(() => toSwitchyardPriority(Number.NaN)).toThrow(/priority must be a finite number/);
  });

  it('maps every Switchyard state to a legacy status, waiting states to pending', () => {
    expect(JOB_STATES.map((state) => LEGACY_STATUS_OF_STATE[state])).toEqual([
      'pending',
      'pending',
      'running',
      'pending',
      'completed',
      'failed',
      'cancelled',
    ]);
    expect(statesOfLegacyStatus('pending')).toEqual(['scheduled', 'pending', 'retrying']);
    expect(statesOfLegacyStatus('failed')).toEqual(['failed']);
    expect(() => statesOfLegacyStatus('paused' as never)).toThrow(/unknown status/);
  });

  it('folds counts into legacy stats', () => {
    expect(
      legacyStatsOfCounts({
        scheduled: 1,
        pending: 2,
        retrying: 3,
        running: 4,
        completed: 5,
        failed: 6,
        cancelled: 7,
      }),
    ).toEqual({ pending: 6, running: 4, completed: 5, failed: 6, cancelled: 7, total: 28 });
  });
});
