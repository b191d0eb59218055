/**
 * Moving a flow on (the I/O around `planAdvance`): read the flow's definition from its
 * record job, read the sibling steps the plan asks for, enqueue the steps that start now
 * with their derived ids, and close the record once the flow has settled. Uses only the
 * adapter contract every backend has (`enqueue`, `jobs.get`, `jobs.cancel`).
 */
import type { QueueAdapter } from './adapter.js';
import type { Clock } from './clock.js';
import type { FlowOutcome } from './flow-definition.js';
import { isSettled, type StepOutcome, stepPayload } from './flow-evaluate.js';
import { planAdvance, type SiblingCursor } from './flow-plan.js';
import {
  decodeFlowSpec,
  FLOW_CANCEL_PATH,
  FLOW_ID_KEY,
  FLOW_INPUT_TOO_LARGE_KEY,
  FLOW_RECORD_TASK,
  FLOW_STEP_KEY,
  type FlowIndex,
  firstSteps,
  type IndexedNode,
  indexFlow,
  storedStep,
} from './flow-spec.js';
import { type FlowAdvance, flowStepOf, outcomeOfJob } from './flow-step.js';
import { flowStepJobId } from './ids.js';
import type { JobRecord, NewJob } from './job.js';
import { jsonByteLength } from './json.js';
import type { Logger } from './logger.js';

/** What the advancer needs from the yard. */
export interface FlowAdvancerDeps {
  adapter: QueueAdapter;
  /** Runs one backend call with the yard's timeout and error mapping. */
  call<T>(what: string, call: () => Promise<T>): Promise<T>;
  /** Stores jobs and announces the new ones; ids that exist already are skipped, not an error. */
  store(jobs: NewJob[]): Promise<void>;
  /** Cancels one job as `yard.jobs.cancel` does (events, metrics), without advancing its flow. */
  cancel(id: string): Promise<unknown>;
  /** Largest payload a step may be enqueued with, in bytes. */
  payloadLimit: number;
  clock: Clock;
  logger: Logger;
}

/** Definitions kept in memory (they never change once a flow exists). */
const CACHED_FLOWS = 256;

/** True while a flow's record job says the flow is running (not closed, cancelled or removed). */
export function isOpenRecord(record: JobRecord | null): boolean {
  return (
    record !== null &&
    record.task === FLOW_RECORD_TASK &&
    record.state !== 'cancelled' &&
    record.state !== 'completed' &&
    record.state !== 'failed'
  );
}

/** The job of `step` in flow `flowId`, given the previous result (`NO_INPUT` for a flow's first steps). */
export function stepJob(
  flowId: string,
  step: IndexedNode,
  input: unknown,
  now: number,
  limit: number,
): NewJob {
  const stored = storedStep(step);
  let payload = stepPayload(stored, input);
  const metadata: Record<string, string> = {
    ...stored.job.metadata,
    [FLOW_ID_KEY]: flowId,
    [FLOW_STEP_KEY]: step.path,
  };
  const size = jsonByteLength(payload);
  if (size > limit) {
    // Stored without its input: the step fails with FlowInputTooLargeError when a worker takes it.
    metadata[FLOW_INPUT_TOO_LARGE_KEY] = `${size}/${limit}`;
    payload = null;
  }
  const at = new Date(now);
  const job: NewJob = {
    id: flowStepJobId(flowId, step.path),
    task: stored.task,
    queue: stored.job.queue,
    payload,
    priority: stored.job.priority,
    createdAt: at,
    runAt: at,
    maxAttempts: stored.job.maxAttempts,
    metadata,
  };
  if (stored.job.backoff !== undefined) job.backoff = stored.job.backoff;
  if (stored.job.timeoutMs !== undefined) job.timeoutMs = stored.job.timeoutMs;
  return job;
}

/** Flows whose settled steps this process remembers (the least recently used are forgotten). */
const REMEMBERED_FLOWS = 64;

export class FlowAdvancer implements FlowAdvance {
  private readonly indexes = new Map<string, FlowIndex>();
  /**
   * Settled step outcomes seen by this process, per flow. A settled outcome never changes
   * (a completed, failed or cancelled job, or an outcome recorded before settling), so the
   * members of a large group read each sibling once per process, not once per member.
   */
  private readonly settled = new Map<string, Map<string, FlowOutcome>>();
  /** Per flow, where this process last found a group member running (see `SiblingCursor`). */
  private readonly cursors = new Map<string, SiblingCursor>();

  constructor(private readonly deps: FlowAdvancerDeps) {}

  /** Moves the flow of `job` on after the step settled with `outcome`. */
  async advance(job: JobRecord, outcome: FlowOutcome): Promise<void> {
    const step = flowStepOf(job);
    if (step === undefined) return;
    const loaded = await this.load(step.flowId);
    if (loaded === undefined || !loaded.open) return;
    const node = loaded.index.byPath.get(step.path);
    if (node === undefined || node.node.kind !== 'step' || node.node.task !== job.task) {
      this.deps.logger.error(
        { flowId: step.flowId, path: step.path, jobId: job.id },
        'switchyard: a job names a flow step its flow does not have; the flow is not advanced',
      );
      return;
    }
    // Recorded already (or the job is settled): siblings settling in this process read it from here.
    const known = this.settledOf(step.flowId);
    known.set(step.path, outcome);
    let cursor = this.cursors.get(step.flowId);
    if (cursor === undefined) {
      if (this.cursors.size >= REMEMBERED_FLOWS) this.cursors.delete(this.cursors.keys().next().value!);
      cursor = new Map();
      this.cursors.set(step.flowId, cursor);
    }
    const plan = await planAdvance(
      loaded.index,
      step.path,
      outcome,
      (steps) => this.readSteps(step.flowId, steps),
      cursor,
      (path) => known.get(path),
    );
    if (plan.start) await this.start(step.flowId, plan.start.node, plan.start.input);
    if (plan.finished) await this.close(step.flowId);
  }

  /** The flow's index, and whether its record is open (unknown when the index came from the cache). */
  async load(flowId: string): Promise<{ index: FlowIndex; open: boolean } | undefined> {
    const cached = this.indexes.get(flowId);
    if (cached !== undefined) return { index: cached, open: true };
    const { adapter, call } = this.deps;
    const record = await call('jobs.get (flow)', () => adapter.jobs.get(flowId));
    const index = this.indexOf(flowId, record);
    return index === undefined ? undefined : { index, open: isOpenRecord(record) };
  }

  /** Decodes (and caches) the definition held by a flow's record job. */
  indexOf(flowId: string, record: JobRecord | null): FlowIndex | undefined {
    if (record === null || record.task !== FLOW_RECORD_TASK) {
      this.deps.logger.warn(
        { flowId },
        'switchyard: the flow of a finished step is gone; nothing to advance',
      );
      return undefined;
    }
    const spec = decodeFlowSpec(record.payload);
    if (typeof spec === 'string') {
      this.deps.logger.error({ flowId, problem: spec }, 'switchyard: a flow record cannot be read');
      return undefined;
    }
    const index = indexFlow(spec);
    if (this.indexes.size >= CACHED_FLOWS) this.indexes.delete(this.indexes.keys().next().value!);
    this.indexes.set(flowId, index);
    return index;
  }

  /** Reads the jobs of `steps` not known settled yet (by their derived ids), in one round of parallel gets. */
  async readSteps(flowId: string, steps: IndexedNode[]): Promise<Map<string, StepOutcome>> {
    const { adapter, call } = this.deps;
    const known = this.settledOf(flowId);
    const outcomes = new Map<string, StepOutcome>();
    const unknown = steps.filter((step) => {
      const outcome = known.get(step.path);
      if (outcome !== undefined) outcomes.set(step.path, outcome);
      return outcome === undefined;
    });
    const records = await Promise.all(
      unknown.map((step) =>
        call('jobs.get (flow step)', () => adapter.jobs.get(flowStepJobId(flowId, step.path))),
      ),
    );
    for (const [index, step] of unknown.entries()) {
      const outcome = outcomeOfJob(records[index] ?? null);
      outcomes.set(step.path, outcome);
      if (isSettled(outcome)) known.set(step.path, outcome);
    }
    return outcomes;
  }

  /** The settled outcomes remembered for a flow (created on first use, most recent last). */
  private settledOf(flowId: string): Map<string, FlowOutcome> {
    let known = this.settled.get(flowId);
    if (known !== undefined) this.settled.delete(flowId);
    else {
      known = new Map();
      if (this.settled.size >= REMEMBERED_FLOWS) this.settled.delete(this.settled.keys().next().value!);
    }
    this.settled.set(flowId, known);
    return known;
  }

  /**
   * Enqueues the first steps of `node`, then looks for the flow's cancel marker: a cancel
   * running meanwhile may have missed these jobs, so they are cancelled here (`flows.cancel`
   * stores the marker before cancelling steps: either it saw these jobs, or this read sees
   * the marker). The marker is a small job, usually absent; the record holds the whole definition.
   */
  private async start(flowId: string, node: IndexedNode, input: unknown): Promise<void> {
    const { adapter, call, clock, payloadLimit } = this.deps;
    const now = clock.now();
    const jobs = firstSteps(node).map((step) => stepJob(flowId, step, input, now, payloadLimit));
    await this.deps.store(jobs);
    const marker = await call('jobs.get (flow cancel)', () =>
      adapter.jobs.get(flowStepJobId(flowId, FLOW_CANCEL_PATH)),
    );
    if (marker === null) return;
    await Promise.all(jobs.map((job) => this.deps.cancel(job.id)));
  }

  /** The flow settled: its record job is closed (cancelled), so retention removes it with the steps. */
  private async close(flowId: string): Promise<void> {
    const { adapter, call } = this.deps;
    await call('jobs.cancel (flow record)', () => adapter.jobs.cancel(flowId));
    this.indexes.delete(flowId);
    this.settled.delete(flowId);
    this.cursors.delete(flowId);
  }
}
