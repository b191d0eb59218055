/** Builders of stored flow nodes for the flow tests. */
import type { FlowSpec, StoredNode, StoredStep } from '../src/flow-spec.js';

const job = { queue: 'q', priority: 5, maxAttempts: 1, metadata: {} };
/** A stored step; without payload it takes its input as payload. */
export const s = (
  payload?: unknown,
  input: StoredStep['input'] = payload === undefined ? 'payload' : 'none',
): StoredStep => ({
  kind: 'step',
  task: 't',
  job,
  input,
  ...(payload !== undefined ? { payload } : {}),
});
export const chainOf = (...steps: StoredNode[]): StoredNode => ({ kind: 'chain', steps });
export const groupOf = (...members: StoredNode[]) => ({ kind: 'group' as const, members });
export const chordOf = (
  members: ReturnType<typeof groupOf>,
  callback: StoredNode,
  outcomes = false,
): StoredNode => ({
  kind: 'chord',
  group: members,
  callback,
  outcomes,
});
export const spec = (root: StoredNode): FlowSpec => ({ version: 1, root });
