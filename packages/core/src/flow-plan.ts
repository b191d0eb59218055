/**
 * What to do when one step of a flow settles: walk up from the step until some
 * node must start (the next node of a chain, a chord's callback) or some sibling is
 * still running, or the whole flow has settled. Reads of other steps go through an
 * injected reader, so the walk is tested without a backend.
 *
 * Exactly once: a step's outcome is recorded before the walk reads its siblings, so
 * of two group members settling at the same instant at least the later reader sees
 * every member settled; both may start the next node, whose job ids are derived from
 * the flow and the path, so the second start stores nothing.
 */
import type { FlowOutcome } from './flow-definition.js';
import { evaluateNode, groupOutcome, isSettled, memberOutcome, type StepOutcome } from './flow-evaluate.js';
import { type FlowIndex, type IndexedNode, stepsUnder } from './flow-spec.js';

/** Reads the outcomes of these steps (absent, open or settled), keyed by path. */
export type StepReader = (steps: IndexedNode[]) => Promise<Map<string, StepOutcome>>;

/** A step's settled outcome this process already knows (no read needed), if any. */
export type KnownOutcome = (path: string) => FlowOutcome | undefined;

/** What a settled step leads to. */
export interface AdvancePlan {
  /** A node to start now, with the input its first steps get. */
  start?: { node: IndexedNode; input: unknown };
  /** The whole flow settled with this outcome. */
  finished?: FlowOutcome;
}

/** Most siblings read per round trip while looking for one that has not settled. */
const SIBLINGS_PER_READ = 8;

/** Plans the consequences of the step at `path` settling with `outcome`. */
export async function planAdvance(
  index: FlowIndex,
  path: string,
  outcome: FlowOutcome,
  read: StepReader,
  cursor?: SiblingCursor,
  known?: KnownOutcome,
): Promise<AdvancePlan> {
  const leaf = index.byPath.get(path);
  if (leaf === undefined || leaf.node.kind !== 'step') throw new TypeError(`no step at flow path "${path}"`);
  let node: IndexedNode = leaf;
  let settled = outcome;
  for (;;) {
    const parent: IndexedNode | undefined = node.parent;
    if (parent === undefined) return { finished: settled };
    switch (parent.node.kind) {
      case 'chain': {
        const next = parent.children[node.index + 1];
        if (settled.state === 'completed' && next !== undefined) {
          return { start: { node: next, input: settled.result ?? null } };
        }
        break;
      }
      case 'group': {
        const members = await settledMembers(parent, node, settled, read, cursor, known);
        if (members === undefined) return {};
        const chord = parent.parent;
        // A chord with `outcomes` runs its callback whatever happened, with every member's outcome.
        if (chord?.node.kind === 'chord' && chord.node.outcomes && parent.index === 0) {
          return { start: { node: chord.children[1]!, input: members.map(memberOutcome) } };
        }
        settled = groupOutcome(members);
        break;
      }
      case 'chord': {
        // Reached from the group only without `outcomes` (see above), or from the callback.
        if (node.index === 0 && settled.state === 'completed') {
          return { start: { node: parent.children[1]!, input: settled.result } };
        }
        break;
      }
      case 'step':
        throw new TypeError(`flow step "${parent.path}" has children`);
    }
    node = parent;
  }
}

/**
 * Where a process last found a group member still running (group path → member index):
 * the next member to settle looks there first, and scans on from there. Members settle for
 * good, so the cursor only moves forward and each member usually costs one read.
 */
export type SiblingCursor = Map<string, number>;

/**
 * Every member's outcome once all of `group`'s members settled (`settled` is the one at
 * `from`); undefined as soon as one is found still running. Siblings are read around the
 * ring from the cursor (default: the member after `from`): one first (usually still running),
 * then twice as many per round trip, up to 8 — few reads wasted past the first running member.
 */
async function settledMembers(
  group: IndexedNode,
  from: IndexedNode,
  settled: FlowOutcome,
  read: StepReader,
  cursor: SiblingCursor | undefined,
  known: KnownOutcome | undefined,
): Promise<FlowOutcome[] | undefined> {
  const members = group.children;
  const count = members.length;
  const outcomes: FlowOutcome[] = new Array(count);
  outcomes[from.index] = settled;
  const start = cursor?.get(group.path) ?? from.index + 1;
  let batch: IndexedNode[] = [];
  let size = 1;
  const readBatch = async (): Promise<boolean> => {
    const fresh = await read(batch.flatMap(stepsUnder));
    for (const member of batch) {
      const outcome = evaluateNode(member, (path) => fresh.get(path) ?? { state: 'absent' });
      if (!isSettled(outcome)) {
        cursor?.set(group.path, member.index);
        return false;
      }
      outcomes[member.index] = outcome;
    }
    batch = [];
    size = Math.min(size * 2, SIBLINGS_PER_READ);
    return true;
  };
  for (let offset = 0; offset < count; offset++) {
    const member = members[(start + offset) % count]!;
    if (member.index === from.index) continue;
    const remembered = evaluateNode(member, (path) => known?.(path) ?? { state: 'absent' });
    if (isSettled(remembered)) {
      outcomes[member.index] = remembered;
      continue;
    }
    batch.push(member);
    if (batch.length >= size && !(await readBatch())) return undefined;
  }
  if (batch.length > 0 && !(await readBatch())) return undefined;
  return outcomes;
}
