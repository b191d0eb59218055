/**
 * A flow step's lease. Settling a step first records its outcome on the job (as its
 * progress), then advances the flow, and only then settles the job. A process killed
 * anywhere in between leaves the job running; its lease expires and the redelivered
 * step does not run its handler again: it replays the recorded outcome (advancing the
 * flow again, which stores nothing twice) and settles. So a killed process never stalls
 * a flow, and a step's outcome, once recorded, is the one the flow goes on with.
 */
import type { Lease } from './adapter.js';
import { type SerializedError, SwitchyardError } from './errors.js';
import type { FlowOutcome } from './flow-definition.js';
import type { StepOutcome } from './flow-evaluate.js';
import { FLOW_ID_KEY, FLOW_STEP_KEY } from './flow-spec.js';
import type { JobRecord } from './job.js';

/** Key of the recorded outcome inside a step's progress. */
const OUTCOME_KEY = 'switchyard.flowOutcome';

/** An outcome recorded by attempt `attempt`. */
export interface RecordedOutcome {
  attempt: number;
  outcome: FlowOutcome;
}

/** The flow and path of a step's job; undefined for a job outside any flow. */
export function flowStepOf(job: JobRecord): { flowId: string; path: string } | undefined {
  const metadata = job.metadata;
  const flowId = metadata?.[FLOW_ID_KEY];
  const path = metadata?.[FLOW_STEP_KEY];
  return flowId === undefined || path === undefined ? undefined : { flowId, path };
}

/** The progress value that records `outcome` for attempt `attempt`. */
export function outcomeProgress(attempt: number, outcome: FlowOutcome): Record<string, unknown> {
  return { [OUTCOME_KEY]: { attempt, ...outcome } };
}

/** The outcome recorded in a step's progress, if any. */
export function recordedOutcome(progress: unknown): RecordedOutcome | undefined {
  if (typeof progress !== 'object' || progress === null) return undefined;
  const entry = (progress as Record<string, unknown>)[OUTCOME_KEY];
  if (typeof entry !== 'object' || entry === null) return undefined;
  const { attempt, state, result, error } = entry as Record<string, unknown>;
  if (typeof attempt !== 'number') return undefined;
  if (state === 'completed') return { attempt, outcome: { state, result } };
  if (state === 'cancelled') return { attempt, outcome: { state } };
  if (state === 'failed' && isSerializedError(error)) return { attempt, outcome: { state, error } };
  return undefined;
}

/**
 * The outcome a step's job stands for. `recorded`: count the outcome a step recorded before
 * settling (advancing a flow needs it; reporting a flow waits for the job itself to settle).
 */
export function outcomeOfJob(job: JobRecord | null, recorded = true): StepOutcome {
  if (job === null) return { state: 'absent' };
  switch (job.state) {
    case 'completed':
      return { state: 'completed', result: job.result };
    case 'failed':
      return { state: 'failed', error: job.error ?? { name: 'Error', message: 'failed' } };
    case 'cancelled':
      return { state: 'cancelled' };
    default:
      return (recorded ? recordedOutcome(job.progress)?.outcome : undefined) ?? { state: 'open' };
  }
}

/** An error rebuilt from its stored form (for a replayed failure). */
export class RecordedError extends Error {
  readonly code?: string;

  constructor(serialized: SerializedError) {
    super(serialized.message);
    this.name = serialized.name;
    if (serialized.code !== undefined) this.code = serialized.code;
    if (serialized.stack !== undefined) this.stack = serialized.stack;
  }
}

/** Moves a flow on after one of its steps settled. */
export interface FlowAdvance {
  advance(job: JobRecord, outcome: FlowOutcome): Promise<void>;
}

/**
 * The lease core hands a flow step's attempt. `complete`, `fail` and `cancelled` record
 * the outcome (unless a previous attempt did), advance the flow, then settle the job.
 */
export class FlowStepLease implements Lease {
  /** True once this job's outcome is recorded (by this or a previous attempt). */
  private recorded: boolean;
  readonly failWithin?: Lease['failWithin'];

  constructor(
    readonly inner: Lease,
    private readonly flows: FlowAdvance,
    recorded: boolean,
  ) {
    this.recorded = recorded;
    const failWithin = inner.failWithin;
    if (failWithin !== undefined) {
      this.failWithin = (error, hook) =>
        this.finish({ state: 'failed', error }, () => failWithin.call(inner, error, hook));
    }
  }

  get job(): JobRecord {
    return this.inner.job;
  }
  get redelivered(): boolean {
    return this.inner.redelivered;
  }
  get malformed(): Error | undefined {
    return this.inner.malformed;
  }
  get signal(): AbortSignal {
    return this.inner.signal;
  }
  get aborted(): boolean | undefined {
    return this.inner.aborted;
  }

  heartbeat(): Promise<void> {
    return this.inner.heartbeat();
  }
  progress(value: unknown): Promise<void> {
    return this.inner.progress(value);
  }
  retry(at: Date, error: SerializedError): Promise<void> {
    return this.inner.retry(at, error);
  }
  release(): Promise<void> {
    return this.inner.release();
  }
  complete(result: unknown): Promise<void> {
    return this.finish({ state: 'completed', result }, () => this.inner.complete(result));
  }
  fail(error: SerializedError): Promise<void> {
    return this.finish({ state: 'failed', error }, () => this.inner.fail(error));
  }
  cancelled(): Promise<void> {
    return this.finish({ state: 'cancelled' }, () => this.inner.cancelled());
  }

  private async finish(outcome: FlowOutcome, settle: () => Promise<void>): Promise<void> {
    if (!this.recorded) {
      await this.inner.progress(outcomeProgress(this.inner.job.attempt, outcome));
      this.recorded = true;
    }
    await this.flows.advance(this.inner.job, outcome);
    await settle();
  }
}

/** True for a lease core already wrapped as a flow step's. */
export function isFlowStepLease(lease: Lease): lease is FlowStepLease {
  return lease instanceof FlowStepLease;
}

function isSerializedError(value: unknown): value is SerializedError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as SerializedError).name === 'string' &&
    typeof (value as SerializedError).message === 'string'
  );
}

/** Whether an error of the flow machinery should keep the step unsettled (to be replayed) rather than be logged. */
export function isTransient(error: unknown): boolean {
  return (
    SwitchyardError.hasCode(error, 'BACKEND_UNAVAILABLE') || SwitchyardError.hasCode(error, 'ADAPTER_ERROR')
  );
}
