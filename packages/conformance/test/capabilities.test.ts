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
  failHookInTransaction: true,
  throttle: true,
};

const memoryLike: AdapterCapabilities = {
  ...everything,
  failHookInTransaction: false,
  durable: false,
  transactionalEnqueue: false,
  maxDelayMs: Number.POSITIVE_INFINITY,
  crossProcessCancel: false,
  crossProcessLeases: false,
};

const withProxyHook = { createAdapterThrough: true };

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
      skippedFeatures(
        { ...everything, transactionalEnqueue: false, maxDelayMs: Number.POSITIVE_INFINITY },
        2,
        withProxyHook,
      ),
    ).toEqual([
      { id: 'transactional-enqueue', reason: 'capabilities.transactionalEnqueue = false' },
      {
        id: 'bad-input/delay-beyond-max',
        reason: 'capabilities.maxDelayMs = Infinity (no delay is too long)',
      },
      {
        id: 'on-failed-tx',
        reason: "capabilities.transactionalEnqueue = false (the test writes through the hook's transaction)",
      },
      {
        id: 'on-failed-tx/after-status',
        reason: 'capabilities.failHookInTransaction = true (onFailed runs inside the failing transaction)',
      },
    ]);
    expect(skippedFeatures(memoryLike).map(({ id }) => id)).toEqual([
      'transactional-enqueue',
      'durability',
      'crash-recovery/killed-process',
      'cancellation/other-yard',
      'bad-input/delay-beyond-max',
      'flows/other-process',
      'on-failed-tx',
      'operations/other-process',
      'outage',
      'fencing',
    ]);
    // A gate never skips both of a complementary pair.
    for (const capabilities of [everything, memoryLike]) {
      const skipped = skippedFeatures(capabilities, 2, withProxyHook).map(({ id }) => id);
      expect(skipped.includes('transactional-enqueue') && skipped.includes('bad-input/tx-unsupported')).toBe(
        false,
      );
    }
    expect(Object.keys(CAPABILITY_GATES)).toHaveLength(14);
  });

  it('the outage group runs on a durable adapter whose module can route it through a proxy', () => {
    expect(skipReason('outage', everything, 2, withProxyHook)).toBeNull();
    expect(skipReason('outage', everything, 2)).toBe(
      'the conformance module has no createAdapterThrough hook',
    );
    expect(skipReason('outage', everything, 2, { createAdapterThrough: false })).toMatch(
      /no createAdapterThrough/,
    );
    expect(skipReason('outage', memoryLike, 2, withProxyHook)).toMatch(/durable = false/);
  });

  it('the throttling group runs only where the adapter declares throttle', () => {
    expect(skipReason('throttling', everything)).toBeNull();
    const { throttle: _absent, ...withoutThrottle } = everything;
    expect(skipReason('throttling', withoutThrottle)).toBe('capabilities.throttle is not true');
    expect(skipReason('throttling', { ...everything, throttle: false })).toBe(
      'capabilities.throttle is not true',
    );
  });

  it('the fencing group runs only with cross-process leases', () => {
    expect(skipReason('fencing', everything)).toBeNull();
    expect(skipReason('fencing', memoryLike)).toBe('capabilities.crossProcessLeases = false');
  });

  it('the operations groups run only on specVersion 2 adapters', () => {
    expect(skipReason('operations', everything, 2)).toBeNull();
    expect(skipReason('operations', everything, 1)).toBe(
      'adapter specVersion 1 (the operations contract is specVersion 2)',
    );
    expect(skipReason('operations/other-process', everything, 2)).toBeNull();
    expect(skipReason('operations/other-process', memoryLike, 2)).toBe(
      'capabilities.crossProcessLeases = false',
    );
    expect(skipReason('operations/other-process', everything, 1)).toMatch(/specVersion 1/);
  });

  it('ordering and payload limits are read from the capabilities', () => {
    expect(hasStrictOrdering(everything)).toBe(true);
    expect(hasStrictOrdering({ ...everything, ordering: 'best-effort' })).toBe(false);
    expect(effectivePayloadLimit(everything)).toBe(256 * 1024);
    expect(effectivePayloadLimit({ ...everything, maxPayloadBytes: 1000 })).toBe(1000);
  });
});
