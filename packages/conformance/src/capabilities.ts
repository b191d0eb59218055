/**
 * THE one place that decides what is skipped. A group (or a named part of a group)
 * runs only when the adapter's declared capabilities say the feature exists; every
 * skip is registered as `describe.skip("<id> (skipped: <reason>)")` and listed in one
 * summary line, so a run always shows what was not checked and why.
 */
import type { AdapterCapabilities } from '@switchyard/core';

/** One gated feature: `requires` is true when the adapter has it; `reason` names the capability. */
interface Gate {
  requires(capabilities: AdapterCapabilities): boolean;
  reason(capabilities: AdapterCapabilities): string;
}

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
} satisfies Record<string, Gate>;

/** Id of a gated feature. */
export type GateId = keyof typeof CAPABILITY_GATES;

/** `null` when the feature runs, otherwise the reason it is skipped. */
export function skipReason(id: GateId, capabilities: AdapterCapabilities): string | null {
  const gate: Gate = CAPABILITY_GATES[id];
  return gate.requires(capabilities) ? null : gate.reason(capabilities);
}

/** Every skipped feature with its reason, for the summary line. */
export function skippedFeatures(capabilities: AdapterCapabilities): { id: GateId; reason: string }[] {
  return (Object.keys(CAPABILITY_GATES) as GateId[]).flatMap((id) => {
    const reason = skipReason(id, capabilities);
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
