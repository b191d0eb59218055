/**
 * What the worker's attempt asks of flows: wrap a step's lease (`prepare`), and say
 * whether the step must not run its handler — its outcome was recorded by an attempt
 * that was killed before settling (it is replayed), or its input was too large (it fails).
 */
import type { Lease } from './adapter.js';
import { FlowInputTooLargeError } from './errors.js';
import type { FlowOutcome } from './flow-definition.js';
import { FLOW_ID_KEY, FLOW_INPUT_TOO_LARGE_KEY, FLOW_STEP_KEY } from './flow-spec.js';
import {
  type FlowAdvance,
  FlowStepLease,
  flowStepOf,
  isTransient,
  RecordedError,
  type RecordedOutcome,
  recordedOutcome,
} from './flow-step.js';
import type { JobRecord } from './job.js';
import type { Logger } from './logger.js';

/** How a step ends without running its handler. */
export type EarlyEnding =
  | { state: 'completed'; result: unknown }
  | { state: 'failed'; error: Error }
  | { state: 'cancelled' };

/** A flow step's lease, ready for its attempt. */
export interface PreparedFlowStep {
  lease: FlowStepLease;
  /** Set when the handler must not run: settle the step this way instead. */
  early?: EarlyEnding;
}

/** The flow hooks of a yard's runtime. */
export interface FlowRuntime {
  /** True when `job` is a step of a flow. */
  isStep(job: JobRecord): boolean;
  /** Wraps a step's lease; reads the job again only for a redelivered step. */
  prepare(lease: Lease): PreparedFlowStep | Promise<PreparedFlowStep>;
  /** A step's job was cancelled outside its attempt (`jobs.cancel`, a bulk cancel): moves its flow on. */
  cancelledOutside(job: JobRecord): Promise<void>;
}

/** The yard's `FlowRuntime`. */
export class FlowSteps implements FlowRuntime {
  constructor(
    private readonly flows: FlowAdvance,
    private readonly readJob: (id: string) => Promise<JobRecord | null>,
    private readonly logger: Logger,
  ) {}

  isStep(job: JobRecord): boolean {
    // Every job's attempt asks: one property read, no allocation.
    return job.metadata?.[FLOW_STEP_KEY] !== undefined && job.metadata[FLOW_ID_KEY] !== undefined;
  }

  prepare(lease: Lease): PreparedFlowStep | Promise<PreparedFlowStep> {
    const job = lease.job;
    const tooLarge = job.metadata[FLOW_INPUT_TOO_LARGE_KEY];
    if (tooLarge !== undefined) {
      const [size, limit] = tooLarge.split('/').map(Number);
      const step = flowStepOf(job)!;
      return {
        lease: new FlowStepLease(lease, this, false),
        early: {
          state: 'failed',
          error: new FlowInputTooLargeError(size ?? 0, limit ?? 0, step.path, job.task),
        },
      };
    }
    const recorded = recordedOutcome(job.progress);
    // A redelivered lease may carry the progress as of its first delivery: read the job again.
    if (recorded === undefined && lease.redelivered) {
      return this.readJob(job.id).then((fresh) => this.prepared(lease, recordedOutcome(fresh?.progress)));
    }
    return this.prepared(lease, recorded);
  }

  private prepared(lease: Lease, recorded: RecordedOutcome | undefined): PreparedFlowStep {
    if (recorded === undefined || recorded.attempt >= lease.job.attempt) {
      return { lease: new FlowStepLease(lease, this, false) };
    }
    return { lease: new FlowStepLease(lease, this, true), early: earlyEnding(recorded.outcome) };
  }

  /** Advances the flow; errors other than an unavailable backend are logged (the step still settles). */
  async advance(job: JobRecord, outcome: FlowOutcome): Promise<void> {
    try {
      await this.flows.advance(job, outcome);
    } catch (error) {
      // The step stays unsettled: its lease expires and the redelivered step tries again.
      if (isTransient(error)) throw error;
      this.logger.error({ err: error, jobId: job.id }, 'switchyard: advancing a flow failed');
    }
  }

  async cancelledOutside(job: JobRecord): Promise<void> {
    if (!this.isStep(job)) return;
    try {
      await this.flows.advance(job, { state: 'cancelled' });
    } catch (error) {
      this.logger.error({ err: error, jobId: job.id }, 'switchyard: advancing a flow after a cancel failed');
    }
  }
}

function earlyEnding(outcome: FlowOutcome): EarlyEnding {
  return outcome.state === 'failed' ? { state: 'failed', error: new RecordedError(outcome.error) } : outcome;
}
