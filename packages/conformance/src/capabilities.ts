/**
 * THE one place that decides what is skipped. A group (or a named part of a group)
 * runs only when the adapter's declared capabilities say the feature exists; every
 * skip is registered as `describe.skip("<id> (skipped: <reason>)")` and listed in one
 * summary line, so a run always shows what was not checked and why.
 */
import type { AdapterCapabilities } from '@switchyard/core';

/**
 * One gated feature: `requires` is true when the adapter has it; `reason` names the
 * capability (or the contract version) that is missing.
 */
interface Gate {
  requires(capabilities: AdapterCapabilities, specVersion: number, hooks: OptionalHooks): boolean;
  reason(capabilities: AdapterCapabilities, specVersion: number, hooks: OptionalHooks): string;
}

/** Which optional hooks the adapter's conformance module implements (some groups need one). */
export interface OptionalHooks {
  /** `createAdapterThrough`: the module can route the adapter through a cuttable proxy. */
  createAdapterThrough?: boolean;
}

const operationsReason = (_c: AdapterCapabilities, specVersion: number) =>
  `adapter specVersion ${specVersion} (the operations contract is specVersion 2)`;

/** Every capability-gated group or sub-group, by id (`group` or `group/part`). */
export const CAPABILITY_GATES = {
  'transactional-enqueue': {
    requires: (c) => c.transactionalEnqueue,
    reason: () => 'capabilities.transactionalEnqueue = false',
  },
  durability: {
    requires: (c) => c.durable,
    reason: () => 'capabilities.durable = false',
  },
  'crash-recovery/killed-process': {
    requires: (c) => c.crossProcessLeases,
    reason: () => 'capabilities.crossProcessLeases = false',
  },
  'cancellation/other-yard': {
    requires: (c) => c.crossProcessCancel,
    reason: () => 'capabilities.crossProcessCancel = false',
  },
  'bad-input/delay-beyond-max': {
    requires: (c) => Number.isFinite(c.maxDelayMs),
    reason: () => 'capabilities.maxDelayMs = Infinity (no delay is too long)',
  },
  'bad-input/tx-unsupported': {
    requires: (c) => !c.transactionalEnqueue,
    reason: () => 'capabilities.transactionalEnqueue = true (tx is supported)',
  },
  'flows/other-process': {
    requires: (c) => c.crossProcessLeases,
    reason: () => 'capabilities.crossProcessLeases = false',
  },
  'on-failed-tx': {
    requires: (c) => c.failHookInTransaction === true && c.transactionalEnqueue,
    reason: (c) =>
      c.failHookInTransaction === true
        ? "capabilities.transactionalEnqueue = false (the test writes through the hook's transaction)"
        : 'capabilities.failHookInTransaction is not true',
  },
  'on-failed-tx/after-status': {
    requires: (c) => c.failHookInTransaction !== true,
    reason: () => 'capabilities.failHookInTransaction = true (onFailed runs inside the failing transaction)',
  },
  operations: {
    requires: (_c, specVersion) => specVersion >= 2,
    reason: operationsReason,
  },
  'operations/other-process': {
    requires: (c, specVersion) => specVersion >= 2 && c.crossProcessLeases,
    reason: (c, specVersion) =>
      specVersion < 2 ? operationsReason(c, specVersion) : 'capabilities.crossProcessLeases = false',
  },
  outage: {
    requires: (c, _specVersion, hooks) => c.durable && hooks.createAdapterThrough === true,
    reason: (c) =>
      c.durable
        ? 'the conformance module has no createAdapterThrough hook'
        : 'capabilities.durable = false (an in-process backend has no outage)',
  },
  fencing: {
    requires: (c) => c.crossProcessLeases,
    reason: () => 'capabilities.crossProcessLeases = false',
  },
  throttling: {
    requires: (c) => c.throttle === true,
    reason: () => 'capabilities.throttle is not true',
  },
} satisfies Record<string, Gate>;

/** Id of a gated feature. */
export type GateId = keyof typeof CAPABILITY_GATES;

/** `null` when the feature runs, otherwise the reason it is skipped. */
export function skipReason(
  id: GateId,
  capabilities: AdapterCapabilities,
  specVersion = 2,
  hooks: OptionalHooks = {},
): string | null {
  const gate: Gate = CAPABILITY_GATES[id];
  return gate.requires(capabilities, specVersion, hooks)
    ? null
    : gate.reason(capabilities, specVersion, hooks);
}

/** Every skipped feature with its reason, for the summary line. */
export function skippedFeatures(
  capabilities: AdapterCapabilities,
  specVersion = 2,
  hooks: OptionalHooks = {},
): { id: GateId; reason: string }[] {
  return (Object.keys(CAPABILITY_GATES) as GateId[]).flatMap((id) => {
    const reason = skipReason(id, capabilities, specVersion, hooks);
    return reason === null ? [] : [{ id, reason }];
  });
}

/**
 * Not a skip but a capability-based difference in what is asserted: with
 * `ordering: 'best-effort'` the ordering group checks that every job ran, not their order.
 */
export function hasStrictOrdering(capabilities: AdapterCapabilities): boolean {
  return capabilities.ordering === 'strict';
}

/** The payload cap the suite tests against: the adapter's, or core's default 256 KiB when lower. */
export function effectivePayloadLimit(capabilities: AdapterCapabilities): number {
  return Math.min(capabilities.maxPayloadBytes, 256 * 1024);
}
