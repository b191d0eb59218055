/**
 * `yard.flow()` and `yard.flows`: creating a flow (its record job and its first steps in
 * one enqueue), reading it back (`get`, `waitFor`) and cancelling it. A flow is its record
 * job — task `switchyard.flow`, queue `switchyard.flows`, the compiled definition as payload,
 * `scheduled` while the flow runs and cancelled (closed) once it ended — plus its steps,
 * ordinary jobs whose ids are derived from the flow id and their path.
 */
import type { QueueAdapter } from './adapter.js';
import { ChangeSignal } from './change-signal.js';
import { type Duration, parseDuration } from './duration.js';
import {
  CapabilityError,
  InvalidOptionsError,
  MalformedJobError,
  SwitchyardError,
  WaitTimeoutError,
} from './errors.js';
import type { EventHub } from './events.js';
import { type FlowAdvancer, isOpenRecord, stepJob } from './flow-advance.js';
import { checkFlowMetadata, compileFlow } from './flow-compile.js';
import type {
  FlowCancelOutcome,
  FlowNode,
  FlowOptions,
  FlowRecord,
  FlowState,
  FlowStepInfo,
} from './flow-definition.js';
import { evaluateNode, isSettled, NO_INPUT, unreachableSteps } from './flow-evaluate.js';
import {
  FLOW_CANCEL_PATH,
  FLOW_CANCEL_TASK,
  FLOW_ID_KEY,
  FLOW_RECORD_QUEUE,
  FLOW_RECORD_TASK,
  firstSteps,
  indexFlow,
} from './flow-spec.js';
import { flowStepOf, outcomeOfJob } from './flow-step.js';
import { flowStepJobId, isUuid } from './ids.js';
import { type CancelOutcome, type JobRecord, type NewJob, TERMINAL_STATES } from './job.js';
import type { JobBuildContext } from './job-builder.js';
import type { TaskDefinition } from './task.js';
import { waitTimeoutMs } from './wait-for.js';

/** `yard.flows`: reading and cancelling flows. */
export interface YardFlows {
  /** The flow with every step's job id and state; null when no flow has this id. */
  get(id: string): Promise<FlowRecord | null>;
  /** Cancels the flow's waiting steps and asks its running ones to stop; no later step starts. */
  cancel(id: string): Promise<FlowCancelOutcome>;
  /** Resolves once the flow completed, failed or was cancelled; rejects with `WaitTimeoutError`. */
  waitFor(id: string, options?: { timeout?: Duration; pollInterval?: Duration }): Promise<FlowRecord>;
}

/** What the flow API needs from the yard. */
export interface FlowApiDeps {
  adapter: QueueAdapter;
  advancer: FlowAdvancer;
  events: EventHub;
  assertOpen(): void;
  /** An adapter call made through the public API (the yard must be open; timeout applies). */
  open<T>(what: string, call: () => Promise<T>): Promise<T>;
  resolveTask(task: TaskDefinition | string): TaskDefinition;
  buildContext(): JobBuildContext;
  /** Stores and announces jobs; throws `DuplicateJobError` for ids that exist (after storing the others). */
  store(jobs: NewJob[], tx: unknown): Promise<void>;
  /** Cancels one job as `yard.jobs.cancel` does, without advancing its flow. */
  cancelJob(id: string): Promise<CancelOutcome>;
}

/** A flow record stays `scheduled` this long at most (it never runs; a backend may cap delays lower). */
const RECORD_HORIZON_MS = 10 * 365 * 24 * 3_600_000;
/** Jobs read in parallel when listing a flow's steps. */
const READS_IN_PARALLEL = 32;
const DEFAULT_POLL_MS = 250;
/** Shortest gap between two reads of a flow woken by its steps' events. */
const MIN_READ_GAP_MS = 10;

export class FlowApi implements YardFlows {
  constructor(private readonly deps: FlowApiDeps) {}

  /** Checks and stores a flow; resolves with its id once its first steps are enqueued. */
  async create(root: FlowNode, options: FlowOptions = {}): Promise<{ id: string }> {
    const { deps } = this;
    deps.assertOpen();
    if (typeof options !== 'object' || options === null)
      throw new InvalidOptionsError('flow options must be an object');
    const metadata = checkFlowMetadata(options.metadata);
    if (options.id !== undefined && (typeof options.id !== 'string' || !isUuid(options.id))) {
      throw new InvalidOptionsError(
        `flow id must be a UUID (e.g. from newJobId()), got ${JSON.stringify(options.id)}`,
      );
    }
    const context = deps.buildContext();
    const { capabilities, adapterName } = context;
    if (options.tx !== undefined && !capabilities.transactionalEnqueue) {
      throw new CapabilityError(
        adapterName,
        'transactionalEnqueue',
        'this adapter cannot join a transaction',
      );
    }
    const spec = await compileFlow(root, { resolveTask: deps.resolveTask, build: context, metadata });
    const id = options.id?.toLowerCase() ?? context.newId(context.now);
    const limit = Math.min(context.maxPayloadBytes, capabilities.maxPayloadBytes);
    const record: NewJob = {
      id,
      task: FLOW_RECORD_TASK,
      queue: FLOW_RECORD_QUEUE,
      payload: spec,
      priority: 9,
      createdAt: new Date(context.now),
      runAt: new Date(context.now + Math.min(RECORD_HORIZON_MS, capabilities.maxDelayMs)),
      maxAttempts: 1,
      metadata,
    };
    const steps = firstSteps(indexFlow(spec).root).map((step) =>
      stepJob(id, step, NO_INPUT, context.now, limit),
    );
    try {
      await deps.store([record, ...steps], options.tx);
    } catch (error) {
      // The same id again: an earlier attempt of this creation got through (or part of it, now completed).
      if (options.id === undefined || !SwitchyardError.hasCode(error, 'DUPLICATE_JOB')) throw error;
    }
    return { id };
  }

  async get(id: string): Promise<FlowRecord | null> {
    const { adapter, advancer, open } = this.deps;
    if (typeof id !== 'string' || !isUuid(id))
      throw new InvalidOptionsError(`flow id must be a UUID, got ${JSON.stringify(id)}`);
    const record = await open('flows.get', () => adapter.jobs.get(id));
    if (record === null || record.task !== FLOW_RECORD_TASK) return null;
    const index = advancer.indexOf(record.id, record);
    if (index === undefined)
      throw new MalformedJobError(`the record of flow ${id} holds no readable definition`);
    const jobs = new Map<string, JobRecord | null>();
    for (let start = 0; start < index.steps.length; start += READS_IN_PARALLEL) {
      const batch = index.steps.slice(start, start + READS_IN_PARALLEL);
      const read = await Promise.all(
        batch.map((step) => open('flows.get', () => adapter.jobs.get(flowStepJobId(record.id, step.path)))),
      );
      for (const [offset, step] of batch.entries()) jobs.set(step.path, read[offset] ?? null);
    }
    const outcomeAt = (path: string) => outcomeOfJob(jobs.get(path) ?? null, false);
    const root = evaluateNode(index.root, outcomeAt);
    const open_ = isOpenRecord(record);
    const unsettledJob = [...jobs.values()].some(
      (job) => job !== null && !TERMINAL_STATES.includes(job.state),
    );
    // A closed record: the flow ended or was cancelled; it is reported once no step job still runs.
    const state: FlowState = isSettled(root) ? root.state : open_ || unsettledJob ? 'running' : 'cancelled';
    const unreachable = open_ && state === 'running' ? unreachableSteps(index.root, outcomeAt) : undefined;
    const steps: FlowStepInfo[] = index.steps.map((step) => {
      const job = jobs.get(step.path) ?? null;
      const waiting = unreachable === undefined || unreachable.has(step.path) ? 'cancelled' : 'waiting';
      return {
        path: step.path,
        task: step.node.kind === 'step' ? step.node.task : '',
        jobId: flowStepJobId(record.id, step.path),
        state: job === null ? waiting : job.state,
        job,
      };
    });
    const flow: FlowRecord = {
      id: record.id,
      state,
      createdAt: record.createdAt,
      metadata: record.metadata,
      steps,
    };
    if (root.state === 'completed') flow.result = root.result;
    if (root.state === 'failed') flow.error = root.error;
    return flow;
  }

  async cancel(id: string): Promise<FlowCancelOutcome> {
    const { adapter, advancer, open } = this.deps;
    if (typeof id !== 'string' || !isUuid(id))
      throw new InvalidOptionsError(`flow id must be a UUID, got ${JSON.stringify(id)}`);
    const record = await open('flows.cancel', () => adapter.jobs.get(id));
    if (record === null || record.task !== FLOW_RECORD_TASK) return 'not_found';
    if (!isOpenRecord(record)) return 'finished';
    // The marker first: from now on a step that starts others cancels them (see FlowAdvancer.start).
    await this.storeCancelMarker(record.id);
    const closed = await open('flows.cancel', () => adapter.jobs.cancel(record.id));
    if (closed === 'not_found') return 'not_found';
    if (closed === 'finished') return 'finished';
    const index = advancer.indexOf(record.id, record);
    if (index === undefined) return 'cancelled';
    for (let start = 0; start < index.steps.length; start += READS_IN_PARALLEL) {
      const batch = index.steps.slice(start, start + READS_IN_PARALLEL);
      await Promise.all(batch.map((step) => this.deps.cancelJob(flowStepJobId(record.id, step.path))));
    }
    return 'cancelled';
  }

  /** Stores the flow's cancel marker, itself cancelled at once (it never runs; retention removes it). */
  private async storeCancelMarker(flowId: string): Promise<void> {
    const { adapter, open } = this.deps;
    const context = this.deps.buildContext();
    const id = flowStepJobId(flowId, FLOW_CANCEL_PATH);
    const marker: NewJob = {
      id,
      task: FLOW_CANCEL_TASK,
      queue: FLOW_RECORD_QUEUE,
      payload: null,
      priority: 9,
      createdAt: new Date(context.now),
      runAt: new Date(context.now + Math.min(RECORD_HORIZON_MS, context.capabilities.maxDelayMs)),
      maxAttempts: 1,
      metadata: { [FLOW_ID_KEY]: flowId },
    };
    // A marker left by an earlier cancel comes back as a duplicate: the flow is marked either way.
    await open('flows.cancel', () => adapter.enqueue([marker]));
    await open('flows.cancel', () => adapter.jobs.cancel(id));
  }

  async waitFor(
    id: string,
    options: { timeout?: Duration; pollInterval?: Duration } = {},
  ): Promise<FlowRecord> {
    this.deps.assertOpen();
    if (typeof id !== 'string' || !isUuid(id))
      throw new InvalidOptionsError(`flow id must be a UUID, got ${JSON.stringify(id)}`);
    const timeoutMs = waitTimeoutMs(options.timeout);
    const pollMs =
      options.pollInterval === undefined
        ? DEFAULT_POLL_MS
        : parseDuration(options.pollInterval, 'pollInterval');
    const deadline = Date.now() + timeoutMs;
    const signal = new ChangeSignal();
    // A step of this flow settling in this process re-reads at once instead of at the next poll.
    const onLocal = ({ job }: { job: JobRecord }) => {
      if (flowStepOf(job)?.flowId === id) signal.notify();
    };
    const offs = (['job:completed', 'job:failed', 'job:cancelled'] as const).map((event) =>
      this.deps.events.on(event, onLocal),
    );
    try {
      let lastRead = Number.NEGATIVE_INFINITY;
      for (;;) {
        // Step events may come faster than reads: a burst of them is one re-read, not one each.
        const sinceRead = Date.now() - lastRead;
        if (sinceRead < MIN_READ_GAP_MS)
          await new Promise((resolve) => setTimeout(resolve, MIN_READ_GAP_MS - sinceRead));
        lastRead = Date.now();
        signal.changed = false;
        // One read of the record per wake-up; the whole flow only once the record is closed
        // (reading every step on every step's event would cost O(steps²) over a flow).
        const record = await this.deps.open('flows.waitFor', () => this.deps.adapter.jobs.get(id));
        if (record !== null && !isOpenRecord(record)) {
          const flow = await this.get(id);
          if (flow && flow.state !== 'running') return flow;
        }
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw new WaitTimeoutError(id, timeoutMs);
        if (!signal.changed) await signal.sleep(Math.min(pollMs, remaining));
      }
    } finally {
      for (const off of offs) off();
    }
  }
}
