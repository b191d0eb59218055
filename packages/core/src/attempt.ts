/**
 * Runs one attempt of one leased job: validates, runs the handler under a
 * timeout and the lease's signal, then hands the ending to `attempt-settlement.ts`,
 * which settles the lease exactly once with the outcome core decided.
 *
 * This is the worker's hot path, so it avoids per-job closures and promises
 * where it can: the handler context is a class, its `AbortSignal` is created
 * only when a handler reads `ctx.signal`, and sync schemas and sync handlers
 * run without extra promises.
 */
import { ATTEMPT_FINISHED, type Lease } from './adapter.js';
import { failJob, finished, settle } from './attempt-settlement.js';
import type { BackendHealth } from './backend-health.js';
import type { TimerHandle } from './clock.js';
import { parseDuration } from './duration.js';
import {
  ClosedError,
  JobTimeoutError,
  LeaseExpiredError,
  SwitchyardError,
  toError,
  UnknownTaskError,
} from './errors.js';
import type { FlowRuntime, PreparedFlowStep } from './flow-runtime.js';
import { isFlowStepLease } from './flow-step.js';
import type { JobRecord } from './job.js';
import { assertJson } from './json.js';
import { LazyJobLogger } from './lazy-job-logger.js';
import type { Logger } from './logger.js';
import type { YardRuntime } from './runtime.js';
import { SettleLapsedError } from './settle-retry.js';
import { storedRecordError } from './stored-record.js';
import type { JobContext, TaskDefinition, TaskHandler } from './task.js';
import { type AttemptSpan, noopMetrics, noopTracer, type TelemetryScope } from './telemetry.js';
import type { ThrottleGate } from './throttle-gate.js';
import { validateMaybeSync } from './validation.js';

/** How the handler phase ended. */
export type Ending =
  | { kind: 'returned'; result: unknown }
  | { kind: 'threw'; error: Error }
  | { kind: 'timeout'; error: JobTimeoutError }
  | { kind: 'lost' }
  | { kind: 'released' };

/** A running attempt, as the worker tracks it. */
export interface ActiveAttempt {
  readonly lease: Lease;
  /** Where the worker's `ActiveAttempts` keeps it; -1 while not tracked. */
  activeIndex: number;
  /** When the lease was last renewed (handed out, or a heartbeat went through). */
  renewedAt: number;
  /**
   * Called on every heartbeat tick. The first call starts listening to the lease's
   * signal and arms the timeout timer: a job that ends before its first tick never
   * pays for either (most jobs), and a cancel still reaches it within one heartbeat.
   */
  watch(): void;
  /** Aborts the handler and gives the lease back (forced shutdown). */
  release(): void;
}

/** Hooks from the worker into one attempt. */
export interface AttemptHooks {
  runtime: YardRuntime;
  handlerFor(task: string): TaskHandler<unknown, unknown> | undefined;
  track(attempt: ActiveAttempt): void;
  untrack(attempt: ActiveAttempt): void;
  /** onFailed hooks run detached from the slot; the worker waits for them on stop. */
  detach(work: Promise<void>): void;
  reportError(error: Error): void;
  /** How often `watch` is called; timeouts this short or shorter are armed at once. */
  watchIntervalMs: number;
  /**
   * Brackets one settlement (the lease call and the event it announces). A synchronous
   * adapter may hand the freed slot to the next job inside the lease call; that job
   * waits for `settlementsInFlight()` so `job:completed` of one precedes `job:started` of the next.
   */
  settling(work: Promise<void>): void;
  settlementsInFlight(): Promise<unknown> | undefined;
  /** Who runs the attempts, for the tracer (adapter name, worker id). */
  telemetryScope: TelemetryScope;
  /** Whether the backend answers (progress reports during an outage are dropped, not thrown). */
  health: BackendHealth;
  /**
   * Stores an outcome: `first` is the lease call already made; while the backend is
   * unavailable it is repeated through `again` until the lease lapses (`settle-retry.ts`).
   */
  persist(first: Promise<void>, again: () => Promise<void>, renewedAt: number, logger: Logger): Promise<void>;
  /** The worker's throttle gate, on an adapter with `capabilities.throttle` (`RateLimitedError` defers through it). */
  throttle?: ThrottleGate;
}

/**
 * Runs one lease to its end. Never rejects. The common case (nothing to announce or
 * wait for, a synchronous schema) runs the handler before returning; a synchronous
 * handler on an adapter with `Lease.completeNow` then finishes without any promise
 * and `ATTEMPT_FINISHED` is returned.
 */
export function runAttempt(lease: Lease, hooks: AttemptHooks): Promise<void> {
  const { runtime } = hooks;
  const job = lease.job;
  const logger = new LazyJobLogger(runtime.logger, job);
  try {
    // What the adapter could not decode, else the record judged as on every backend (stored-record.ts).
    const malformed = lease.malformed ?? storedRecordError(hooks.telemetryScope.adapter, job.id, job);
    if (malformed) {
      if (lease.redelivered) reportStalled(job, runtime);
      hooks.reportError(malformed);
      return guarded(failJob(lease, malformed, undefined, hooks, logger), hooks, logger);
    }
    // A flow step settles through its flow (flow-step.ts); its lease is wrapped first.
    const flows = runtime.flows;
    if (flows?.isStep(job) && !isFlowStepLease(lease)) return runFlowStep(lease, flows, hooks, logger);
    if (lease.redelivered) reportStalled(job, runtime);
    const task = runtime.tasks.get(job.task);
    const handler = hooks.handlerFor(job.task);
    if (!task || !handler) {
      return guarded(failJob(lease, new UnknownTaskError(job.task), task, hooks, logger), hooks, logger);
    }
    if (job.maxAttempts !== null && job.attempt > job.maxAttempts) {
      // Only a lost lease delivers past the budget: the crash consumed the last attempt.
      return guarded(failJob(lease, new LeaseExpiredError(), task, hooks, logger), hooks, logger);
    }
    let payload: unknown;
    try {
      payload = validateMaybeSync(task.schema, job.payload, factsOf(task).payloadWhat);
    } catch (error) {
      return guarded(failJob(lease, toError(error), task, hooks, logger), hooks, logger);
    }
    if (
      payload instanceof Promise ||
      runtime.enqueueSettled(job.id) !== undefined ||
      runtime.events.listens('job:started')
    ) {
      return runInOrder(lease, hooks, logger, task, handler, payload);
    }
    const run = new AttemptRun(lease, task, hooks, logger, lease.startedAtMs);
    let done: (() => void) | undefined;
    const ending = run.execute(handler, payload, (late) => settleLate(run, late, payload, done!));
    // Ends later (an async handler): `done` is set before anything can end the attempt.
    if (ending === undefined) return new Promise<void>((resolve) => (done = resolve));
    const settling = settle(run, ending, payload);
    return settling === undefined ? ATTEMPT_FINISHED : guarded(settling, hooks, logger);
  } catch (error) {
    couldNotSettle(error, hooks, logger);
    return ATTEMPT_FINISHED;
  }
}

function reportStalled(job: JobRecord, runtime: YardRuntime): void {
  runtime.events.emit('job:stalled', { job });
  if (runtime.metrics !== noopMetrics)
    runtime.metrics.increment('jobs_stalled_total', { queue: job.queue, task: job.task });
}

/**
 * A flow step: wraps its lease, then runs it as any job, or settles it without running
 * the handler when a killed attempt had recorded its outcome or its input was too large.
 */
function runFlowStep(lease: Lease, flows: FlowRuntime, hooks: AttemptHooks, logger: Logger): Promise<void> {
  const { runtime } = hooks;
  const run = ({ lease: step, early }: PreparedFlowStep): Promise<void> => {
    if (early === undefined) return runAttempt(step, hooks);
    const job = step.job;
    if (step.redelivered) reportStalled(job, runtime);
    if (early.state === 'failed')
      return failJob(step, early.error, runtime.tasks.get(job.task), hooks, logger);
    const { clock, events, metrics } = runtime;
    const labels = { queue: job.queue, task: job.task };
    if (early.state === 'cancelled') {
      return step.cancelled().then(() => {
        metrics.increment('jobs_cancelled_total', labels);
        events.emit('job:cancelled', { job: finished(job, 'cancelled', clock.now()) });
      });
    }
    return step.complete(early.result).then(() => {
      metrics.increment('jobs_completed_total', labels);
      const record = finished(job, 'completed', clock.now(), { result: early.result });
      events.emit('job:completed', { job: record, result: early.result, durationMs: 0 });
    });
  };
  try {
    const prepared = flows.prepare(lease);
    return guarded(prepared instanceof Promise ? prepared.then(run) : run(prepared), hooks, logger);
  } catch (error) {
    couldNotSettle(error, hooks, logger);
    return ATTEMPT_FINISHED;
  }
}

/**
 * The attempt when something must be awaited first (an async schema, this process's
 * enqueue of the job, earlier settlements) or `job:started` is listened to: local
 * events then stay causally ordered.
 */
async function runInOrder(
  lease: Lease,
  hooks: AttemptHooks,
  logger: Logger,
  task: TaskDefinition,
  handler: TaskHandler<unknown, unknown>,
  validating: unknown,
): Promise<void> {
  const { runtime } = hooks;
  try {
    let payload: unknown;
    try {
      payload = await validating;
    } catch (error) {
      return await failJob(lease, toError(error), task, hooks, logger);
    }
    // Keep this process's events causal; only someone listening pays for it.
    const enqueueing = runtime.enqueueSettled(lease.job.id);
    if (enqueueing) await enqueueing;
    if (runtime.events.listens('job:started')) {
      const settlements = hooks.settlementsInFlight();
      if (settlements) await settlements;
    }
    const run = new AttemptRun(lease, task, hooks, logger);
    const ending = await new Promise<Ending>((resolve) => {
      const syncEnding = run.execute(handler, payload, resolve);
      if (syncEnding !== undefined) resolve(syncEnding);
    });
    if (!runtime.events.listens('job:started')) return await settle(run, ending, payload);
    let settled!: () => void;
    hooks.settling(
      new Promise<void>((resolve) => {
        settled = resolve;
      }),
    );
    try {
      await settle(run, ending, payload);
    } finally {
      settled();
    }
  } catch (error) {
    couldNotSettle(error, hooks, logger);
  }
}

/**
 * Settles an attempt that ended after `execute` returned, then calls `done`, which resolves
 * the attempt's promise: one promise per job from the handler's end to the worker, instead
 * of a promise for the ending, one for the settlement and one guarding it.
 */
function settleLate(run: AttemptRun, ending: Ending, payload: unknown, done: () => void): void {
  const { hooks, logger } = run;
  try {
    const settling = settle(run, ending, payload);
    if (settling === undefined) {
      done();
      return;
    }
    settling.then(done, (error: unknown) => {
      couldNotSettle(error, hooks, logger);
      done();
    });
  } catch (error) {
    couldNotSettle(error, hooks, logger);
    done();
  }
}

/** `work`, with a settlement failure logged and reported instead of rejecting. */
function guarded(work: Promise<void>, hooks: AttemptHooks, logger: Logger): Promise<void> {
  return work.then(undefined, (error: unknown) => couldNotSettle(error, hooks, logger));
}

/** Settling failed: the lease will expire and the job be redelivered. */
function couldNotSettle(error: unknown, hooks: AttemptHooks, logger: Logger): void {
  // The backend stayed down until the lease lapsed: counted and logged once per outage.
  if (error instanceof SettleLapsedError) return;
  logger.error({ err: error }, 'switchyard: could not settle the job');
  hooks.reportError(toError(error));
}

/** The handler phase of one attempt, and the `ctx` the handler sees. */
export class AttemptRun implements ActiveAttempt, JobContext {
  readonly job: JobRecord;
  readonly attempt: number;
  readonly startedAt: number;
  private controller?: AbortController;
  /** Why the attempt was aborted (first reason wins), even when nobody read `ctx.signal`. */
  abortReason: unknown;
  readonly span: AttemptSpan;
  activeIndex = -1;
  renewedAt: number;
  private deadline = 0;
  private timeoutMs = 0;
  private watching = false;
  private timer?: TimerHandle;
  /** Between the handler's start and the attempt's end. */
  private running = false;
  /** How the attempt ended, when that happened before `execute` returned. */
  private syncEnding?: Ending;
  /** Told how the attempt ended, when that happens after `execute` returned. */
  private onLateEnding?: (ending: Ending) => void;
  private boundProgress?: (value: unknown) => Promise<void>;

  constructor(
    readonly lease: Lease,
    readonly task: TaskDefinition,
    readonly hooks: AttemptHooks,
    readonly logger: Logger,
    startedAt?: number,
  ) {
    this.job = lease.job;
    this.attempt = lease.job.attempt;
    // A lease handed out in this same synchronous step carries the time already (one clock read less).
    this.startedAt = startedAt ?? hooks.runtime.clock.now();
    this.renewedAt = this.startedAt;
    this.span = hooks.runtime.tracer.startAttempt(lease.job, hooks.telemetryScope);
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortReason !== undefined) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  get cancelRequested(): boolean {
    return SwitchyardError.hasCode(this.abortReason, 'JOB_CANCELLED');
  }

  /** Bound to this attempt, so handlers can destructure `{ progress }` from ctx; built on first use. */
  get progress(): (value: unknown) => Promise<void> {
    this.boundProgress ??= (value) => this.reportProgress(value);
    return this.boundProgress;
  }

  private async reportProgress(value: unknown): Promise<void> {
    assertJson(value, 'progress');
    const { health } = this.hooks;
    const duringOutage = health.down;
    try {
      await this.lease.progress(value);
    } catch (error) {
      // Progress is a hint the next report replaces: an outage must not fail the job for it.
      if (health.failed(error, 'progress')) return;
      throw error;
    }
    if (duringOutage && health.down) health.succeeded();
    const { events } = this.hooks.runtime;
    if (events.has('job:progress'))
      events.emit('job:progress', { job: { ...this.job, progress: value }, progress: value });
  }

  /**
   * Runs the handler. Returns the ending at once when the handler returned or threw
   * synchronously; otherwise returns undefined and hands the ending to `onLateEnding` when
   * the handler settles, times out, loses its lease or is released (no promise of its own:
   * this runs once per job).
   */
  execute(
    handler: TaskHandler<unknown, unknown>,
    payload: unknown,
    onLateEnding: (ending: Ending) => void,
  ): Ending | undefined {
    const { runtime } = this.hooks;
    const { job } = this;
    const { metrics } = runtime;
    if (metrics !== noopMetrics) {
      metrics.observe('job_wait_seconds', Math.max(0, this.startedAt - job.runAt.getTime()) / 1000, {
        queue: job.queue,
        task: job.task,
      });
    }
    if (runtime.events.has('job:started')) runtime.events.emit('job:started', { job });
    this.timeoutMs = job.timeoutMs ?? taskTimeoutMs(this.task);
    this.deadline = this.startedAt + this.timeoutMs;
    this.running = true;
    this.hooks.track(this);
    if (this.timeoutMs <= this.hooks.watchIntervalMs) this.armTimeout();

    let returned: unknown;
    try {
      // Without tracing, skip the span's wrapper (and the closure it needs).
      returned =
        runtime.tracer === noopTracer ? handler(payload, this) : this.span.run(() => handler(payload, this));
    } catch (thrown) {
      this.end({ kind: 'threw', error: toError(thrown) });
      return this.syncEnding!;
    }
    if (!(returned instanceof Promise)) this.end({ kind: 'returned', result: returned });
    else {
      returned.then(
        (result) => this.end({ kind: 'returned', result }),
        (thrown) => this.end({ kind: 'threw', error: toError(thrown) }),
      );
    }
    // Ended already (synchronous handler): no promise needed.
    if (this.syncEnding !== undefined) return this.syncEnding;
    this.onLateEnding = onLateEnding;
    return undefined;
  }

  watch(): void {
    if (this.watching || !this.running) return;
    this.watching = true;
    this.armTimeout();
    if (this.lease.signal.aborted) this.handleEvent();
    else this.lease.signal.addEventListener('abort', this, { once: true });
  }

  /**
   * At settle time, notices an abort of the lease that happened before anyone listened:
   * a cancel makes the job `cancelled`; true means the lease was lost.
   */
  noticeUnwatchedAbort(): boolean {
    const lease = this.lease;
    if (this.watching || this.abortReason !== undefined || !(lease.aborted ?? lease.signal.aborted))
      return false;
    this.abortReason = this.lease.signal.reason;
    return !this.cancelRequested;
  }

  private armTimeout(): void {
    if (this.timer !== undefined) return;
    const { clock } = this.hooks.runtime;
    const timeoutMs = this.timeoutMs;
    this.timer = clock.setTimeout(() => this.timeout(timeoutMs), Math.max(0, this.deadline - clock.now()));
  }

  /** The lease's signal aborted: a cancel lets the handler wind down; a lost lease frees the slot now. */
  handleEvent(): void {
    const reason = this.lease.signal.reason;
    this.abort(reason);
    if (!SwitchyardError.hasCode(reason, 'JOB_CANCELLED')) this.end({ kind: 'lost' });
  }

  release(): void {
    this.abort(new ClosedError('worker'));
    this.end({ kind: 'released' });
  }

  private timeout(timeoutMs: number): void {
    const error = new JobTimeoutError(timeoutMs);
    this.abort(error);
    this.end({ kind: 'timeout', error });
  }

  private abort(reason: unknown): void {
    if (this.abortReason !== undefined) return;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }

  private end(ending: Ending): void {
    if (!this.running) return;
    this.running = false;
    if (this.timer !== undefined) this.hooks.runtime.clock.clearTimeout(this.timer);
    if (this.watching) this.lease.signal.removeEventListener('abort', this);
    this.hooks.untrack(this);
    const onLateEnding = this.onLateEnding;
    if (onLateEnding === undefined) {
      this.syncEnding = ending;
      return;
    }
    this.onLateEnding = undefined;
    onLateEnding(ending);
  }
}

/** What every attempt of a task needs, worked out once per task. */
interface TaskFacts {
  /** `payload of task "..."`, for validation messages. */
  payloadWhat: string;
  /** The task's default timeout in ms, parsed on first use. */
  timeoutMs?: number;
}

const factsCache = new WeakMap<TaskDefinition, TaskFacts>();

function factsOf(task: TaskDefinition): TaskFacts {
  let facts = factsCache.get(task);
  if (facts === undefined) {
    facts = { payloadWhat: `payload of task "${task.name}"` };
    factsCache.set(task, facts);
  }
  return facts;
}

/** A task's default timeout in ms, parsed once per task. */
function taskTimeoutMs(task: TaskDefinition): number {
  const facts = factsOf(task);
  facts.timeoutMs ??= parseDuration(task.timeout, 'timeout');
  return facts.timeoutMs;
}
