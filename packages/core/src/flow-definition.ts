/**
 * The shapes of a flow, as users build them: `step`, `chain`, `group` and `chord`
 * (Celery's canvas names). Builders only assemble plain objects; `yard.flow()`
 * checks them all at once (`flow-compile.ts`), so a flow built by hand gets the
 * same typed errors as one built with these functions.
 */
import type { EnqueueRetryOptions } from './api.js';
import type { Duration } from './duration.js';
import type { SerializedError } from './errors.js';
import type { JobRecord, JobState } from './job.js';
import type { TaskDefinition } from './task.js';

/**
 * How a step takes the result of what ran before it:
 * - `'payload'`: the previous result is the step's payload (default when no payload is given);
 * - `'none'`: the step runs with its own payload and ignores the result (default when a payload is given);
 * - `{ key }`: the previous result is added to the step's (object) payload under `key`.
 */
export type StepInput = 'payload' | 'none' | { key: string };

/** Options of one step: the enqueue options that make sense inside a flow, plus `input`. */
export interface StepOptions {
  /** How the step takes the previous result (see `StepInput`). */
  input?: StepInput;
  /** Override the task's queue. */
  queue?: string;
  /** 0..9, lower first; default the task's. */
  priority?: number;
  /** Attempts and backoff of this step; default the task's. */
  retry?: EnqueueRetryOptions;
  /** Per-attempt timeout; default the task's. */
  timeout?: Duration;
  /** String metadata stored on the step's job (keys starting with `switchyard.` are reserved). */
  metadata?: Record<string, string>;
}

/** One task run: a leaf of the flow. Build it with `step(task, payload?, options?)`. */
export interface FlowStep {
  readonly kind: 'step';
  readonly task: TaskDefinition | string;
  readonly payload?: unknown;
  readonly options?: StepOptions;
}

/** Nodes run one after the other, each given the previous one's result. */
export interface FlowChain {
  readonly kind: 'chain';
  readonly steps: readonly FlowNode[];
}

/** Nodes run in parallel; the group's result is the list of their results, in order. */
export interface FlowGroup {
  readonly kind: 'group';
  readonly members: readonly FlowNode[];
}

/** A group, then a callback that runs once every member settled, given their results (or outcomes). */
export interface FlowChord {
  readonly kind: 'chord';
  readonly group: FlowGroup;
  readonly callback: FlowNode;
  /** Run the callback after failures too, with each member's outcome instead of its result. */
  readonly outcomes: boolean;
}

/** Any shape of a flow; they nest. */
export type FlowNode = FlowStep | FlowChain | FlowGroup | FlowChord;

/** A step of `task`. Without `payload` it takes the previous result as its payload. */
export function step<I>(
  task: TaskDefinition<I, any, any>,
  payload?: NoInfer<I>,
  options?: StepOptions,
): FlowStep;
export function step(task: string, payload?: unknown, options?: StepOptions): FlowStep;
export function step(task: TaskDefinition | string, payload?: unknown, options?: StepOptions): FlowStep {
  return Object.freeze({
    kind: 'step' as const,
    task,
    ...(payload !== undefined ? { payload } : {}),
    ...(options !== undefined ? { options } : {}),
  });
}

/** Runs `nodes` in order; each gets the previous one's result (unless it opts out). */
export function chain(...nodes: FlowNode[]): FlowChain {
  return Object.freeze({ kind: 'chain' as const, steps: Object.freeze([...nodes]) });
}

/** Runs `nodes` in parallel; the result is the list of their results, in this order. */
export function group(...nodes: FlowNode[]): FlowGroup {
  return Object.freeze({ kind: 'group' as const, members: Object.freeze([...nodes]) });
}

/**
 * Runs `members`, then `callback` once, after every member settled, with their results
 * in order. With `{ outcomes: true }` the callback also runs when members failed, and
 * receives each member's outcome (`{ state, result }` / `{ state, error }`) instead.
 */
export function chord(
  members: FlowGroup,
  callback: FlowNode,
  options: { outcomes?: boolean } = {},
): FlowChord {
  return Object.freeze({
    kind: 'chord' as const,
    group: members,
    callback,
    outcomes: options?.outcomes === true,
  });
}

/** How a settled step, branch or flow ended: what a chord callback with `outcomes` receives per member. */
export type FlowOutcome =
  | { state: 'completed'; result: unknown }
  | { state: 'failed'; error: SerializedError }
  | { state: 'cancelled' };

/** Options of `yard.flow`. */
export interface FlowOptions {
  /**
   * The flow's id (a UUID, e.g. from `newJobId()`); default a fresh UUIDv7. Creating a flow
   * again with the same id stores nothing new, so a creation that failed can be retried.
   */
  id?: string;
  /** String metadata put on the flow's record and on every step (a step's own keys win). */
  metadata?: Record<string, string>;
  /** Create the flow in the caller's transaction (adapters with `transactionalEnqueue`). */
  tx?: unknown;
}

/** A step as `yard.flows.get` reports it. */
export interface FlowStepInfo {
  /** Position in the flow: child indexes joined by dots (`'1.0'`: first member of the second node). */
  path: string;
  task: string;
  /** The step's job id (derived from the flow id and the path, so known before the job exists). */
  jobId: string;
  /**
   * The job's state; `'waiting'` while the job does not exist yet (an earlier step has not
   * finished); `'cancelled'` also for a job that will never exist (the flow failed or was cancelled first).
   */
  state: JobState | 'waiting';
  /** The step's job, or null while (or because) it was never created. */
  job: JobRecord | null;
}

/** State of a whole flow. */
export type FlowState = 'running' | 'completed' | 'failed' | 'cancelled';

/** A flow as `yard.flows.get` reports it. */
export interface FlowRecord {
  id: string;
  state: FlowState;
  createdAt: Date;
  /** The result of the flow's outermost node (completed flows). */
  result?: unknown;
  /** The error of the step that failed the flow (failed flows). */
  error?: SerializedError;
  /** String metadata given to `yard.flow`. */
  metadata: Record<string, string>;
  /** Every step, in definition order. */
  steps: FlowStepInfo[];
}

/** What `yard.flows.cancel` did. */
export type FlowCancelOutcome =
  /** The flow was running: its waiting steps are cancelled, its running ones asked to stop. */
  | 'cancelled'
  /** The flow had already ended; nothing changed. */
  | 'finished'
  | 'not_found';
