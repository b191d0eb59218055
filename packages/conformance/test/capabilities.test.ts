import type { AdapterCapabilities } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import {
  CAPABILITY_GATES,
  effectivePayloadLimit,
  hasStrictOrdering,
  skippedFeatures,
  skipReason,
} from '../src/capabilities.js';

const everything: AdapterCapabilities = {
  durable: true,
  transactionalEnqueue: true,
  ordering: 'strict',
  maxPayloadBytes: 1024 * 1024,
  maxDelayMs: 15 * 60_000,
  crossProcessCancel: true,
  nativeScheduler: false,
  crossProcessLeases: true,
};

const memoryLike: AdapterCapabilities = {
  ...everything,
  durable: false,
  transactionalEnqueue: false,
  maxDelayMs: Number.POSITIVE_INFINITY,
  crossProcessCancel: false,
  crossProcessLeases: false,
};

describe('capability gates', () => {
  it.each([
    ['transactional-enqueue', 'transactionalEnqueue', false, 'capabilities.transactionalEnqueue = false'],
    ['durability', 'durable', false, 'capabilities.durable = false'],
    ['crash-recovery/killed-process', 'crossProcessLeases', false, 'capabilities.crossProcessLeases = false'],
    ['cancellation/other-yard', 'crossProcessCancel', false, 'capabilities.crossProcessCancel = false'],
  ] as const)('%s is skipped exactly when %s is %s', (id, capability, value, reason) => {
    expect(skipReason(id, everything)).toBeNull();
    expect(skipReason(id, { ...everything, [capability]: value })).toBe(reason);
  });

  it('the delay-limit test runs only when maxDelayMs is finite', () => {
    expect(skipReason('bad-input/delay-beyond-max', everything)).toBeNull();
    expect(skipReason('bad-input/delay-beyond-max', memoryLike)).toMatch(/maxDelayMs = Infinity/);
  });

  it('the tx-refusal test runs only without transactional enqueue', () => {
    expect(skipReason('bad-input/tx-unsupported', memoryLike)).toBeNull();
    expect(skipReason('bad-input/tx-unsupported', everything)).toMatch(/transactionalEnqueue = true/);
  });

  it('lists every skip with its reason, and nothing for a full-featured adapter', () => {
    expect(
      skippedFeatures({ ...everything, transactionalEnqueue: false, maxDelayMs: Number.POSITIVE_INFINITY }),
    ).toEqual([
      { id: 'transactional-enqueue', reason: 'capabilities.transactionalEnqueue = false' },
      {
        id: 'bad-input/delay-beyond-max',
        reason: 'capabilities.maxDelayMs = Infinity (no delay is too long)',
      },
    ]);
    expect(skippedFeatures(memoryLike).map(({ id }) => id)).toEqual([
      'transactional-enqueue',
      'durability',
      'crash-recovery/killed-process',
      'cancellation/other-yard',
      'bad-input/delay-beyond-max',
    ]);
    // A gate never skips both of a complementary pair.
    for (const capabilities of [everything, memoryLike]) {
      const skipped = skippedFeatures(capabilities).map(({ id }) => id);
      expect(skipped.includes('transactional-enqueue') && skipped.includes('bad-input/tx-unsupported')).toBe(
        false,
      );
    }
    expect(Object.keys(CAPABILITY_GATES)).toHaveLength(6);
  });

  it('ordering and payload limits are read from the capabilities', () => {
    expect(hasStrictOrdering(everything)).toBe(true);
    expect(hasStrictOrdering({ ...everything, ordering: 'best-effort' })).toBe(false);
    expect(effectivePayloadLimit(everything)).toBe(256 * 1024);
    expect(effectivePayloadLimit({ ...everything, maxPayloadBytes: 1000 })).toBe(1000);
  });
});
