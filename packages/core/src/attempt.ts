/**
 * Runs one attempt of one leased job: validates, runs the handler under a
 * timeout and the lease's signal, then settles the lease exactly once with the
 * outcome core decided (complete, retry at T, fail, cancelled, release).
 *
 * This is the worker's hot path, so it avoids per-job closures and promises
 * where it can: the handler context is a class, its `AbortSignal` is created
 * only when a handler reads `ctx.signal`, and sync schemas and sync handlers
 * run without extra promises.
 */
import { ATTEMPT_FINISHED, type Lease } from './adapter.js';
import type { TimerHandle } from './clock.js';
import { parseDuration } from './duration.js';
import {
  ClosedError,
  JobTimeoutError,
  LeaseExpiredError,
  SwitchyardError,
  serializeError,
  toError,
  UnknownTaskError,
} from './errors.js';
import type { JobRecord } from './job.js';
import { assertJson } from './json.js';
import { childLogger, type Logger } from './logger.js';
import { decideRetry, normalizeBackoff, type RetryDecision } from './retry.js';
import type { YardRuntime } from './runtime.js';
import type { JobContext, TaskDefinition, TaskHandler } from './task.js';
import { type JobTracer, noopMetrics, noopTracer } from './telemetry.js';
import { validateMaybeSync } from './validation.js';

/** How the handler phase ended. */
type Ending =
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
    if (lease.redelivered) runtime.events.emit('job:stalled', { job });
    if (lease.malformed) {
      hooks.reportError(lease.malformed);
      return guarded(failJob(lease, lease.malformed, undefined, hooks, logger), hooks, logger);
    }
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
      runtime.events.has('job:started')
    ) {
      return runInOrder(lease, hooks, logger, task, handler, payload);
    }
    const run = new AttemptRun(lease, task, hooks, logger, lease.startedAtMs);
    const ending = run.execute(handler, payload);
    if (ending instanceof Promise) {
      return guarded(
        ending.then((settledEnding) => settle(run, settledEnding, payload)),
        hooks,
        logger,
      );
    }
    const settling = settle(run, ending, payload);
    return settling === undefined ? ATTEMPT_FINISHED : guarded(settling, hooks, logger);
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
    if (runtime.events.has('job:started')) {
      const settlements = hooks.settlementsInFlight();
      if (settlements) await settlements;
    }
    const run = new AttemptRun(lease, task, hooks, logger);
    const ending = await run.execute(handler, payload);
    if (!runtime.events.has('job:started')) return await settle(run, ending, payload);
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

/** `work`, with a settlement failure logged and reported instead of rejecting. */
function guarded(work: Promise<void>, hooks: AttemptHooks, logger: Logger): Promise<void> {
  return work.then(undefined, (error: unknown) => couldNotSettle(error, hooks, logger));
}

/** Settling failed (backend down): the lease will expire and the job be redelivered. */
function couldNotSettle(error: unknown, hooks: AttemptHooks, logger: Logger): void {
  logger.error({ err: error }, 'switchyard: could not settle the job');
  hooks.reportError(toError(error));
}

/** The handler phase of one attempt, and the `ctx` the handler sees. */
class AttemptRun implements ActiveAttempt, JobContext {
  readonly job: JobRecord;
  readonly attempt: number;
  readonly startedAt: number;
  private controller?: AbortController;
  /** Why the attempt was aborted (first reason wins), even when nobody read `ctx.signal`. */
  abortReason: unknown;
  readonly span: ReturnType<JobTracer['startAttempt']>;
  activeIndex = -1;
  private deadline = 0;
  private timeoutMs = 0;
  private watching = false;
  private timer?: TimerHandle;
  /** Between the handler's start and the attempt's end. */
  private running = false;
  /** How the attempt ended, when that happened before `execute` returned. */
  private syncEnding?: Ending;
  private resolveEnding?: (ending: Ending) => void;
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
    this.span = hooks.runtime.tracer.startAttempt(lease.job);
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
    await this.lease.progress(value);
    const { events } = this.hooks.runtime;
    if (events.has('job:progress'))
      events.emit('job:progress', { job: { ...this.job, progress: value }, progress: value });
  }

  /**
   * Runs the handler. Returns the ending at once when the handler returned or threw
   * synchronously; otherwise a promise for when it settles, times out, loses its lease
   * or is released.
   */
  execute(handler: TaskHandler<unknown, unknown>, payload: unknown): Ending | Promise<Ending> {
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
    return new Promise<Ending>((resolve) => {
      this.resolveEnding = resolve;
    });
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
    const resolve = this.resolveEnding;
    if (resolve === undefined) {
      this.syncEnding = ending;
      return;
    }
    this.resolveEnding = undefined;
    resolve(ending);
  }
}

/**
 * Carries out what the attempt's ending means for the job. Returns undefined when
 * it finished synchronously (`Lease.completeNow`), else a promise for the rest.
 */
function settle(run: AttemptRun, ending: Ending, payload: unknown): Promise<void> | undefined {
  const { lease, task, job, logger, hooks, span } = run;
  const { runtime } = hooks;
  if (ending.kind === 'lost' || (ending.kind !== 'released' && run.noticeUnwatchedAbort())) {
    span.end('abandoned');
    logger.warn({}, 'switchyard: lease lost while running; the job will be redelivered');
    return undefined;
  }
  if (ending.kind === 'released') {
    span.end('abandoned');
    return lease.release();
  }
  if (run.cancelRequested) {
    span.end('cancelled');
    return lease.cancelled().then(() => announceCancelled(run));
  }
  if (ending.kind === 'returned') {
    const result = ending.result;
    try {
      if (result !== undefined) assertJson(result, 'result');
    } catch (error) {
      span.end('failed', error);
      return failJob(lease, toError(error), task, hooks, logger, payload);
    }
    if (lease.completeNow !== undefined) {
      lease.completeNow(result);
      announceCompleted(run, result);
      return undefined;
    }
    return lease.complete(result).then(() => announceCompleted(run, result));
  }
  const error = ending.error;
  let decision: RetryDecision;
  try {
    decision = decideRetry({
      attempt: job.attempt,
      maxAttempts: job.maxAttempts,
      error,
      backoff: job.backoff ?? normalizeBackoff(task.retry.backoff),
      ...(task.retry.retryOn ? { retryOn: task.retry.retryOn } : {}),
      random: runtime.random,
    });
  } catch (policyError) {
    // A malformed RetryAfterError delay or a throwing backoff/retryOn function: fail with that error.
    span.end('failed', policyError);
    return failJob(lease, toError(policyError), task, hooks, logger, payload);
  }
  if (decision.action === 'fail') {
    span.end('failed', error);
    return failJob(lease, error, task, hooks, logger, payload);
  }
  const runAt = new Date(runtime.clock.now() + decision.delayMs);
  span.end('retrying', error);
  return lease.retry(runAt, serializeError(error)).then(() => announceRetrying(run, error, runAt));
}

function announceCancelled(run: AttemptRun): void {
  const { job, hooks } = run;
  const { clock, events, metrics } = hooks.runtime;
  metrics.increment('jobs_cancelled_total', { queue: job.queue, task: job.task });
  if (events.has('job:cancelled'))
    events.emit('job:cancelled', { job: finished(job, 'cancelled', clock.now()) });
}

function announceCompleted(run: AttemptRun, result: unknown): void {
  const { job, hooks, span } = run;
  const { clock, events, metrics } = hooks.runtime;
  span.end('completed');
  const announce = events.has('job:completed');
  // Labels, the clock and the duration cost on the hot path; only metrics and listeners need them.
  if (metrics === noopMetrics && !announce) return;
  const labels = { queue: job.queue, task: job.task };
  metrics.increment('jobs_completed_total', labels);
  const now = clock.now();
  const durationMs = now - run.startedAt;
  metrics.observe('job_duration_seconds', durationMs / 1000, labels);
  if (announce) {
    events.emit('job:completed', {
      job: { ...finished(job, 'completed', now), result },
      result,
      durationMs,
    });
  }
}

function announceRetrying(run: AttemptRun, error: Error, runAt: Date): void {
  const { job, hooks, logger } = run;
  const { events, metrics } = hooks.runtime;
  metrics.increment('jobs_retried_total', { queue: job.queue, task: job.task });
  logger.info({ err: error, runAt }, 'switchyard: attempt failed; retrying');
  if (events.has('job:retrying')) {
    events.emit('job:retrying', {
      job: { ...job, state: 'retrying', runAt, error: serializeError(error) },
      error,
      runAt,
    });
  }
}

/** Fails the job permanently, then runs `onFailed` once (detached; its errors are logged). */
async function failJob(
  lease: Lease,
  error: Error,
  task: TaskDefinition | undefined,
  hooks: AttemptHooks,
  logger: Logger,
  payload: unknown = lease.job.payload,
): Promise<void> {
  const { runtime } = hooks;
  const serialized = serializeError(error);
  await lease.fail(serialized);
  const job: JobRecord = { ...finished(lease.job, 'failed', runtime.clock.now()), error: serialized };
  runtime.metrics.increment('jobs_failed_total', { queue: job.queue, task: job.task });
  logger.error({ err: error }, 'switchyard: job failed permanently');
  if (runtime.events.has('job:failed')) runtime.events.emit('job:failed', { job, error });
  const onFailed = task?.onFailed;
  if (!onFailed) return;
  hooks.detach(
    (async () => {
      try {
        await onFailed(payload, { error, job });
      } catch (hookError) {
        logger.error({ err: hookError }, 'switchyard: onFailed hook threw; the job stays failed');
      }
    })(),
  );
}

/** Per-job log bindings cost allocations; build them only when a line is actually written. */
class LazyJobLogger implements Logger {
  private bound?: Logger;

  constructor(
    private readonly base: Logger,
    private readonly job: JobRecord,
  ) {}

  private get target(): Logger {
    const { job } = this;
    this.bound ??= childLogger(this.base, {
      jobId: job.id,
      task: job.task,
      queue: job.queue,
      attempt: job.attempt,
    });
    return this.bound;
  }

  debug(obj: object, msg?: string): void {
    this.target.debug(obj, msg);
  }
  info(obj: object, msg?: string): void {
    this.target.info(obj, msg);
  }
  warn(obj: object, msg?: string): void {
    this.target.warn(obj, msg);
  }
  error(obj: object, msg?: string): void {
    this.target.error(obj, msg);
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

function finished(job: JobRecord, state: 'completed' | 'failed' | 'cancelled', now: number): JobRecord {
  return { ...job, state, finishedAt: new Date(now) };
}
