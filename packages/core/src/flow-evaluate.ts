/**
 * What a flow's steps mean for its nodes (pure). A flow keeps no state of its own:
 * everything is derived from its steps' jobs — absent, open, or settled with a
 * result, an error or a cancel — so any process, at any time, computes the same answer.
 */
import type { FlowOutcome } from './flow-definition.js';
import type { IndexedNode, StoredStep } from './flow-spec.js';

/** A step as read from its job. `open`: it exists and has not settled yet. */
export type StepOutcome = { state: 'absent' } | { state: 'open' } | FlowOutcome;

/** A node: `idle` before any of its steps exists, `open` while it runs, then settled. */
export type NodeOutcome = { state: 'idle' } | { state: 'open' } | FlowOutcome;

/** True for completed, failed and cancelled. */
export function isSettled(outcome: StepOutcome | NodeOutcome): outcome is FlowOutcome {
  return outcome.state === 'completed' || outcome.state === 'failed' || outcome.state === 'cancelled';
}

/** A settled group: the list of results when every member completed, else the first failure (or a cancel). */
export function groupOutcome(members: readonly FlowOutcome[]): FlowOutcome {
  const failed = members.find((member) => member.state === 'failed');
  if (failed) return failed;
  if (members.some((member) => member.state === 'cancelled')) return { state: 'cancelled' };
  return { state: 'completed', result: members.map((member) => resultOf(member)) };
}

/** The value a chord callback with `outcomes` receives for one member. */
export function memberOutcome(outcome: FlowOutcome): FlowOutcome {
  if (outcome.state === 'completed') return { state: 'completed', result: outcome.result ?? null };
  return outcome;
}

function resultOf(outcome: FlowOutcome): unknown {
  // JSON has no `undefined`: a step that returned nothing hands on null.
  return outcome.state === 'completed' ? (outcome.result ?? null) : null;
}

/** Evaluates `node` from its steps' outcomes. */
export function evaluateNode(node: IndexedNode, stepOutcome: (path: string) => StepOutcome): NodeOutcome {
  switch (node.node.kind) {
    case 'step': {
      const outcome = stepOutcome(node.path);
      return outcome.state === 'absent' ? { state: 'idle' } : outcome;
    }
    case 'chain': {
      let last: NodeOutcome = { state: 'idle' };
      for (const [index, child] of node.children.entries()) {
        const outcome = evaluateNode(child, stepOutcome);
        if (outcome.state === 'completed') {
          last = outcome;
          continue;
        }
        if (outcome.state === 'idle') return index === 0 ? outcome : { state: 'open' };
        return outcome;
      }
      return last;
    }
    case 'group': {
      const outcomes = node.children.map((child) => evaluateNode(child, stepOutcome));
      if (outcomes.every(isSettled)) return groupOutcome(outcomes);
      return outcomes.every((outcome) => outcome.state === 'idle') ? { state: 'idle' } : { state: 'open' };
    }
    case 'chord': {
      const members = evaluateNode(node.children[0]!, stepOutcome);
      if (!isSettled(members)) return members;
      if (members.state !== 'completed' && !node.node.outcomes) return members;
      const callback = evaluateNode(node.children[1]!, stepOutcome);
      return callback.state === 'idle' ? { state: 'open' } : callback;
    }
  }
}

/**
 * Which steps can never run any more: those after a failed or cancelled node of a chain,
 * and a chord's callback when its group failed without `outcomes`. Their absent jobs are
 * reported as cancelled.
 */
export function unreachableSteps(node: IndexedNode, stepOutcome: (path: string) => StepOutcome): Set<string> {
  const dead = new Set<string>();
  const markAll = (from: IndexedNode) => {
    if (from.node.kind === 'step') dead.add(from.path);
    for (const child of from.children) markAll(child);
  };
  const visit = (current: IndexedNode) => {
    switch (current.node.kind) {
      case 'step':
        return;
      case 'chain': {
        let stopped = false;
        for (const child of current.children) {
          if (stopped) {
            markAll(child);
            continue;
          }
          visit(child);
          const outcome = evaluateNode(child, stepOutcome);
          if (outcome.state === 'failed' || outcome.state === 'cancelled') stopped = true;
        }
        return;
      }
      case 'group':
        for (const child of current.children) visit(child);
        return;
      case 'chord': {
        const [members, callback] = current.children as [IndexedNode, IndexedNode];
        visit(members);
        const outcome = evaluateNode(members, stepOutcome);
        if ((outcome.state === 'failed' || outcome.state === 'cancelled') && !current.node.outcomes)
          markAll(callback);
        else visit(callback);
        return;
      }
    }
  };
  visit(node);
  return dead;
}

/** Marks "no previous result": the first steps of a flow. */
export const NO_INPUT: unique symbol = Symbol('switchyard.noInput');

/** The payload a step is enqueued with, given the previous result (or `NO_INPUT`). */
export function stepPayload(step: StoredStep, input: unknown): unknown {
  const mode = step.input;
  if (input === NO_INPUT || mode === 'none') return step.payload ?? null;
  const value = input ?? null;
  if (mode === 'payload') return value;
  return { ...((step.payload as Record<string, unknown> | undefined) ?? {}), [mode.key]: value };
}
