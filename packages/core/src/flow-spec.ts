/**
 * The stored form of a flow: what `yard.flow()` compiles a definition into and keeps
 * as the payload of the flow's record job. Every step's job options are resolved at
 * creation, so any process can enqueue a step without knowing its task. Paths are
 * child indexes joined by dots; the root's path is `''`.
 */
import type { StepInput } from './flow-definition.js';
import type { BackoffSpec } from './job.js';

/** Task of a flow's record job (it holds the definition and never runs). */
export const FLOW_RECORD_TASK = 'switchyard.flow';
/** Queue of the flow record jobs; no worker takes it by default. */
export const FLOW_RECORD_QUEUE = 'switchyard.flows';
/**
 * Task of a cancelled flow's marker job (id derived from the flow id, path `cancel`): a small
 * job whose existence tells an advancing step, cheaply, that the flow was cancelled.
 */
export const FLOW_CANCEL_TASK = 'switchyard.flow-cancel';
/** The path whose derived id is a flow's cancel marker (no step has it: step paths are numeric). */
export const FLOW_CANCEL_PATH = 'cancel';
/** Metadata key on every step's job: the flow id. */
export const FLOW_ID_KEY = 'switchyard.flow';
/** Metadata key on every step's job: the step's path. */
export const FLOW_STEP_KEY = 'switchyard.step';
/** Metadata key on a step created with an input over the payload cap: `"<size>/<limit>"` bytes. */
export const FLOW_INPUT_TOO_LARGE_KEY = 'switchyard.inputTooLarge';
/** Metadata keys users may not set on flows. */
export const RESERVED_METADATA_PREFIX = 'switchyard.';

/** The job options of a step, resolved when the flow was created. */
export interface StoredJobFields {
  queue: string;
  priority: number;
  maxAttempts: number | null;
  backoff?: BackoffSpec;
  timeoutMs?: number;
  metadata: Record<string, string>;
}

/** A stored step (a leaf). `payload` is absent when the step takes the previous result as payload. */
export interface StoredStep {
  kind: 'step';
  task: string;
  job: StoredJobFields;
  input: StepInput;
  payload?: unknown;
}

export interface StoredChain {
  kind: 'chain';
  steps: StoredNode[];
}

export interface StoredGroup {
  kind: 'group';
  members: StoredNode[];
}

export interface StoredChord {
  kind: 'chord';
  group: StoredGroup;
  callback: StoredNode;
  outcomes: boolean;
}

export type StoredNode = StoredStep | StoredChain | StoredGroup | StoredChord;

/** A compiled flow, as stored in its record job's payload. */
export interface FlowSpec {
  version: 1;
  root: StoredNode;
}

/** A node with its place in the tree. */
export interface IndexedNode {
  node: StoredNode;
  path: string;
  parent: IndexedNode | undefined;
  /** Position among the parent's children (a chord's children: 0 = group, 1 = callback). */
  index: number;
  children: IndexedNode[];
}

/** A flow's tree, with every node reachable by path and the steps in definition order. */
export interface FlowIndex {
  root: IndexedNode;
  byPath: Map<string, IndexedNode>;
  steps: IndexedNode[];
}

/** The path of child `index` of the node at `parent`. */
export function childPath(parent: string, index: number): string {
  return parent === '' ? String(index) : `${parent}.${index}`;
}

/** The children of a stored node, in order. */
export function childrenOf(node: StoredNode): StoredNode[] {
  switch (node.kind) {
    case 'step':
      return [];
    case 'chain':
      return node.steps;
    case 'group':
      return node.members;
    case 'chord':
      return [node.group, node.callback];
  }
}

/** Indexes a flow's tree by path. */
export function indexFlow(spec: FlowSpec): FlowIndex {
  const byPath = new Map<string, IndexedNode>();
  const steps: IndexedNode[] = [];
  const visit = (node: StoredNode, path: string, parent: IndexedNode | undefined, index: number) => {
    const indexed: IndexedNode = { node, path, parent, index, children: [] };
    byPath.set(path, indexed);
    if (node.kind === 'step') steps.push(indexed);
    childrenOf(node).forEach((child, childIndex) => {
      indexed.children.push(visit(child, childPath(path, childIndex), indexed, childIndex));
    });
    return indexed;
  };
  const root = visit(spec.root, '', undefined, 0);
  return { root, byPath, steps };
}

/** The steps that run as soon as `node` starts (a chain's first node's, every group member's, ...). */
export function firstSteps(node: IndexedNode): IndexedNode[] {
  switch (node.node.kind) {
    case 'step':
      return [node];
    case 'chain':
    case 'chord':
      return firstSteps(node.children[0]!);
    case 'group':
      return node.children.flatMap(firstSteps);
  }
}

/** Every step under `node`, in definition order. */
export function stepsUnder(node: IndexedNode): IndexedNode[] {
  return node.node.kind === 'step' ? [node] : node.children.flatMap(stepsUnder);
}

/** The stored step of an indexed leaf. */
export function storedStep(node: IndexedNode): StoredStep {
  if (node.node.kind !== 'step')
    throw new TypeError(`flow node ${node.path} is a ${node.node.kind}, not a step`);
  return node.node;
}

/**
 * Checks the structure of a stored flow (read back from the backend). Returns the
 * spec, or a message naming the first problem: a corrupt record must not be walked.
 */
export function decodeFlowSpec(payload: unknown): FlowSpec | string {
  if (!isObject(payload) || payload.version !== 1) return 'the flow record has no version 1 definition';
  const problem = nodeProblem(payload.root, '', 0);
  return problem ?? (payload as unknown as FlowSpec);
}

function nodeProblem(node: unknown, path: string, depth: number): string | null {
  const where = `flow node "${path}"`;
  if (depth > 64) return `${where} is nested too deep`;
  if (!isObject(node)) return `${where} is not an object`;
  const children = (list: unknown): string | null => {
    if (!Array.isArray(list) || list.length === 0) return `${where} has no children`;
    for (let index = 0; index < list.length; index++) {
      const problem = nodeProblem(list[index], childPath(path, index), depth + 1);
      if (problem) return problem;
    }
    return null;
  };
  switch (node.kind) {
    case 'step':
      return typeof node.task === 'string' && isObject(node.job) && typeof node.job.queue === 'string'
        ? null
        : `${where} is not a valid step`;
    case 'chain':
      return children(node.steps);
    case 'group':
      return children(node.members);
    case 'chord':
      if (!isObject(node.group) || node.group.kind !== 'group') return `${where} has no group`;
      return (
        nodeProblem(node.group, childPath(path, 0), depth + 1) ??
        nodeProblem(node.callback, childPath(path, 1), depth + 1)
      );
    default:
      return `${where} has an unknown kind`;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
