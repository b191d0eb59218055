/**
 * `yard.flow()`'s checks: turns a user's flow (built with `step`/`chain`/`group`/`chord`
 * or by hand) into the stored `FlowSpec`, or throws a typed error naming the step at
 * fault before anything is written. Each step's task options are resolved here (queue,
 * priority, attempts, backoff, timeout), and a step's own payload is validated by its
 * task's schema now; a payload that is the previous result is validated when the step runs.
 */
import type { EnqueueOptions } from './api.js';
import { InvalidOptionsError } from './errors.js';
import type { FlowNode, StepInput, StepOptions } from './flow-definition.js';
import {
  childPath,
  type FlowSpec,
  firstSteps,
  indexFlow,
  RESERVED_METADATA_PREFIX,
  type StoredGroup,
  type StoredNode,
  type StoredStep,
} from './flow-spec.js';
import { type JobBuildContext, prepareJobTemplate } from './job-builder.js';
import { assertJsonWithin } from './json.js';
import type { TaskDefinition } from './task.js';
import { validateMaybeSync } from './validation.js';

/** Most steps one flow may have. */
export const MAX_FLOW_STEPS = 1000;
/** Deepest nesting of chains, groups and chords. */
export const MAX_FLOW_DEPTH = 16;

/** What compiling needs from the yard. */
export interface FlowCompileContext {
  /** The registered task for a definition or a name; throws `UnknownTaskError`. */
  resolveTask(task: TaskDefinition | string): TaskDefinition;
  build: JobBuildContext;
  /** Metadata of the whole flow, put on every step (a step's own keys win). */
  metadata: Record<string, string>;
}

const STEP_OPTION_KEYS = new Set(['input', 'queue', 'priority', 'retry', 'timeout', 'metadata']);
const NOT_IN_A_FLOW: Record<string, string> = {
  id: 'step ids are derived from the flow id',
  uniqueKey: 'a unique key could refuse a step half way through a flow',
  delay: 'a step runs when the step before it settles',
  runAt: 'a step runs when the step before it settles',
  tx: 'pass tx to yard.flow()',
};

/** Checks `root` and compiles it. Throws `InvalidOptionsError`, `ValidationError`, `UnknownTaskError`, `PayloadTooLargeError`, `CapabilityError`. */
export async function compileFlow(root: FlowNode, context: FlowCompileContext): Promise<FlowSpec> {
  let steps = 0;
  const pending: Promise<unknown>[] = [];
  const compile = (node: unknown, path: string, depth: number): StoredNode => {
    const where = path === '' ? 'the flow' : `flow node "${path}"`;
    if (depth > MAX_FLOW_DEPTH)
      throw new InvalidOptionsError(`${where} nests deeper than ${MAX_FLOW_DEPTH} levels`);
    if (typeof node !== 'object' || node === null) {
      throw new InvalidOptionsError(`${where} must be built with step(), chain(), group() or chord()`);
    }
    const candidate = node as Partial<Record<string, unknown>>;
    switch (candidate.kind) {
      case 'step':
        if (++steps > MAX_FLOW_STEPS)
          throw new InvalidOptionsError(`a flow has at most ${MAX_FLOW_STEPS} steps`);
        return compileStep(candidate, path, context, pending);
      case 'chain':
        return { kind: 'chain', steps: compileList(candidate.steps, 'chain', where, path, depth) };
      case 'group':
        return { kind: 'group', members: compileList(candidate.members, 'group', where, path, depth) };
      case 'chord': {
        const members = candidate.group as Partial<Record<string, unknown>> | undefined;
        if (typeof members !== 'object' || members === null || members.kind !== 'group') {
          throw new InvalidOptionsError(`${where}: a chord's first argument must be group(...)`);
        }
        if (candidate.outcomes !== undefined && typeof candidate.outcomes !== 'boolean') {
          throw new InvalidOptionsError(`${where}: outcomes must be a boolean`);
        }
        return {
          kind: 'chord',
          group: compile(members, childPath(path, 0), depth + 1) as StoredGroup,
          callback: compile(candidate.callback, childPath(path, 1), depth + 1),
          outcomes: candidate.outcomes === true,
        };
      }
      default:
        throw new InvalidOptionsError(`${where} must be built with step(), chain(), group() or chord()`);
    }
  };
  const compileList = (list: unknown, kind: string, where: string, path: string, depth: number) => {
    if (!Array.isArray(list) || list.length === 0) {
      throw new InvalidOptionsError(`${where}: a ${kind} needs at least one node`);
    }
    return list.map((child, index) => compile(child, childPath(path, index), depth + 1));
  };
  const spec: FlowSpec = { version: 1, root: compile(root, '', 0) };
  await Promise.all(pending);
  // The flow's first steps have nothing before them to take a result from.
  for (const first of firstSteps(indexFlow(spec).root)) {
    const stored = first.node as StoredStep;
    if (stored.input !== 'none') {
      throw new InvalidOptionsError(
        `flow step "${first.path}" (task "${stored.task}") runs first: it has no previous result to take; give it a payload`,
      );
    }
  }
  const { build } = context;
  assertJsonWithin(
    spec,
    'flow definition',
    Math.min(build.maxPayloadBytes, build.capabilities.maxPayloadBytes),
  );
  return spec;
}

function compileStep(
  step: Partial<Record<string, unknown>>,
  path: string,
  context: FlowCompileContext,
  pending: Promise<unknown>[],
): StoredStep {
  const where = `flow step "${path}"`;
  const task = context.resolveTask(step.task as TaskDefinition | string);
  const options = checkOptions(step.options, where);
  const payload = step.payload;
  const input = checkInput(options.input, payload, where);
  const metadata = { ...context.metadata, ...checkMetadata(options.metadata, where) };
  const enqueueOptions: EnqueueOptions = { metadata };
  if (options.queue !== undefined) enqueueOptions.queue = options.queue;
  if (options.priority !== undefined) enqueueOptions.priority = options.priority;
  if (options.retry !== undefined) enqueueOptions.retry = options.retry;
  if (options.timeout !== undefined) enqueueOptions.timeout = options.timeout;
  const template = prepareJobTemplate(task, enqueueOptions, context.build);
  const { fields } = template;
  const stored: StoredStep = {
    kind: 'step',
    task: task.name,
    job: {
      queue: fields.queue,
      priority: fields.priority,
      maxAttempts: fields.maxAttempts,
      ...(fields.backoff !== undefined ? { backoff: fields.backoff } : {}),
      ...(fields.timeoutMs !== undefined ? { timeoutMs: fields.timeoutMs } : {}),
      metadata: template.metadata,
    },
    input,
  };
  if (payload !== undefined) {
    assertJsonWithin(payload, `payload of ${where}`, template.payloadLimit);
    stored.payload = payload;
    // Only a payload that is the whole input is left to be validated when the step runs.
    if (input === 'none') {
      const validated = validateMaybeSync(task.schema, payload, `payload of ${where} (task "${task.name}")`);
      if (validated instanceof Promise) pending.push(validated);
    }
  }
  return stored;
}

function checkOptions(options: unknown, where: string): StepOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidOptionsError(`${where}: options must be an object`);
  }
  for (const key of Object.keys(options)) {
    const reason = NOT_IN_A_FLOW[key];
    if (reason !== undefined)
      throw new InvalidOptionsError(`${where}: ${key} cannot be set on a flow step (${reason})`);
    if (!STEP_OPTION_KEYS.has(key)) throw new InvalidOptionsError(`${where}: unknown option "${key}"`);
  }
  return options as StepOptions;
}

function checkInput(input: unknown, payload: unknown, where: string): StepInput {
  if (input === undefined) return payload === undefined ? 'payload' : 'none';
  if (input === 'payload') {
    if (payload !== undefined) {
      throw new InvalidOptionsError(
        `${where}: input 'payload' replaces the payload; give no payload, or use input { key }`,
      );
    }
    return input;
  }
  if (input === 'none') {
    if (payload === undefined) throw new InvalidOptionsError(`${where}: input 'none' needs a payload`);
    return input;
  }
  if (typeof input === 'object' && input !== null && typeof (input as { key?: unknown }).key === 'string') {
    const key = (input as { key: string }).key;
    if (key.length === 0) throw new InvalidOptionsError(`${where}: input.key must not be empty`);
    if (
      payload !== undefined &&
      (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    ) {
      throw new InvalidOptionsError(`${where}: input { key } adds the previous result to an object payload`);
    }
    return { key };
  }
  throw new InvalidOptionsError(`${where}: input must be 'payload', 'none' or { key: string }`);
}

function checkMetadata(metadata: unknown, where: string): Record<string, string> {
  if (metadata === undefined) return {};
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new InvalidOptionsError(`${where}: metadata must be an object of strings`);
  }
  for (const key of Object.keys(metadata)) {
    if (key.startsWith(RESERVED_METADATA_PREFIX)) {
      throw new InvalidOptionsError(
        `${where}: metadata keys starting with "${RESERVED_METADATA_PREFIX}" are reserved`,
      );
    }
  }
  return metadata as Record<string, string>;
}

/** Checks the metadata given to the whole flow. */
export function checkFlowMetadata(metadata: unknown): Record<string, string> {
  return checkMetadata(metadata, 'the flow');
}
