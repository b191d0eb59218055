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
import type { Lease } from './adapter.js';
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
import { type JobTracer, noopMetrics } from './telemetry.js';
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

/** Runs one lease to its end. Never rejects. */
export async function runAttempt(lease: Lease, hooks: AttemptHooks): Promise<void> {
  const { runtime } = hooks;
  const job = lease.job;
  const logger = new LazyJobLogger(runtime.logger, job);
  try {
    if (lease.redelivered) runtime.events.emit('job:stalled', { job });
    if (lease.malformed) {
      hooks.reportError(lease.malformed);
      return await failJob(lease, lease.malformed, undefined, hooks, logger);
    }
    const task = runtime.tasks.get(job.task);
    const handler = hooks.handlerFor(job.task);
    if (!task || !handler) return await failJob(lease, new UnknownTaskError(job.task), task, hooks, logger);
    if (job.maxAttempts !== null && job.attempt > job.maxAttempts) {
      // Only a lost lease delivers past the budget: the crash consumed the last attempt.
      return await failJob(lease, new LeaseExpiredError(), task, hooks, logger);
    }
    let payload: unknown;
    try {
      payload = validateMaybeSync(task.schema, job.payload, `payload of task "${task.name}"`);
      if (payload instanceof Promise) payload = await payload;
    } catch (error) {
      return await failJob(lease, toError(error), task, hooks, logger);
    }
    // Keep this process's events causal; only someone listening pays for it.
    const enqueueing = runtime.enqueueSettled(job.id);
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
    // Settling failed (backend down): the lease will expire and the job be redelivered.
    logger.error({ err: error }, 'switchyard: could not settle the job');
    hooks.reportError(toError(error));
  }
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
  private deadline = 0;
  private timeoutMs = 0;
  private watching = false;
  private timer?: TimerHandle;
  private resolveEnding?: (ending: Ending) => void;

  constructor(
    readonly lease: Lease,
    readonly task: TaskDefinition,
    readonly hooks: AttemptHooks,
    readonly logger: Logger,
  ) {
    this.job = lease.job;
    this.attempt = lease.job.attempt;
    this.startedAt = hooks.runtime.clock.now();
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

  /** An own property, not a method, so handlers can destructure `{ progress }` from ctx. */
  readonly progress = async (value: unknown): Promise<void> => {
    assertJson(value, 'progress');
    await this.lease.progress(value);
    const { events } = this.hooks.runtime;
    if (events.has('job:progress'))
      events.emit('job:progress', { job: { ...this.job, progress: value }, progress: value });
  };

  /** Runs the handler; resolves when it settles, times out, loses its lease or is released. */
  execute(handler: TaskHandler<unknown, unknown>, payload: unknown): Promise<Ending> {
    const { runtime } = this.hooks;
    const { job } = this;
    runtime.metrics.observe('job_wait_seconds', Math.max(0, this.startedAt - job.runAt.getTime()) / 1000, {
      queue: job.queue,
      task: job.task,
    });
    if (runtime.events.has('job:started')) runtime.events.emit('job:started', { job });
    this.timeoutMs = job.timeoutMs ?? taskTimeoutMs(this.task);
    this.deadline = this.startedAt + this.timeoutMs;
    const ending = new Promise<Ending>((resolve) => {
      this.resolveEnding = resolve;
    });
    this.hooks.track(this);
    if (this.timeoutMs <= this.hooks.watchIntervalMs) this.armTimeout();

    let returned: unknown;
    try {
      returned = this.span.run(() => handler(payload, this));
    } catch (thrown) {
      this.end({ kind: 'threw', error: toError(thrown) });
      return ending;
    }
    if (returned instanceof Promise) {
      returned.then(
        (result) => this.end({ kind: 'returned', result }),
        (thrown) => this.end({ kind: 'threw', error: toError(thrown) }),
      );
    } else {
      this.end({ kind: 'returned', result: returned });
    }
    return ending;
  }

  watch(): void {
    if (this.watching || this.resolveEnding === undefined) return;
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
    if (this.watching || this.abortReason !== undefined || !this.lease.signal.aborted) return false;
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
    const resolve = this.resolveEnding;
    if (!resolve) return;
    this.resolveEnding = undefined;
    if (this.timer !== undefined) this.hooks.runtime.clock.clearTimeout(this.timer);
    if (this.watching) this.lease.signal.removeEventListener('abort', this);
    this.hooks.untrack(this);
    resolve(ending);
  }
}

/** Carries out what the attempt's ending means for the job. */
async function settle(run: AttemptRun, ending: Ending, payload: unknown): Promise<void> {
  const { lease, task, job, logger, hooks, span } = run;
  const { runtime } = hooks;
  const { clock, events, metrics } = runtime;
  const labels = { queue: job.queue, task: job.task };
  if (ending.kind === 'lost' || (ending.kind !== 'released' && run.noticeUnwatchedAbort())) {
    span.end('abandoned');
    logger.warn({}, 'switchyard: lease lost while running; the job will be redelivered');
    return;
  }
  if (ending.kind === 'released') {
    span.end('abandoned');
    await lease.release();
    return;
  }
  if (run.cancelRequested) {
    span.end('cancelled');
    await lease.cancelled();
    metrics.increment('jobs_cancelled_total', labels);
    if (events.has('job:cancelled'))
      events.emit('job:cancelled', { job: finished(job, 'cancelled', clock.now()) });
    return;
  }
  if (ending.kind === 'returned') {
    const result = ending.result;
    try {
      if (result !== undefined) assertJson(result, 'result');
    } catch (error) {
      span.end('failed', error);
      return failJob(lease, toError(error), task, hooks, logger, payload);
    }
    await lease.complete(result);
    span.end('completed');
    metrics.increment('jobs_completed_total', labels);
    const announce = events.has('job:completed');
    // Reading the clock costs on the hot path; only metrics and listeners need the duration.
    if (metrics === noopMetrics && !announce) return;
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
    return;
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
  const runAt = new Date(clock.now() + decision.delayMs);
  span.end('retrying', error);
  await lease.retry(runAt, serializeError(error));
  metrics.increment('jobs_retried_total', labels);
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

const timeoutCache = new WeakMap<TaskDefinition, number>();

/** A task's default timeout in ms, parsed once per task. */
function taskTimeoutMs(task: TaskDefinition): number {
  let ms = timeoutCache.get(task);
  if (ms === undefined) {
    ms = parseDuration(task.timeout, 'timeout');
    timeoutCache.set(task, ms);
  }
  return ms;
}

function finished(job: JobRecord, state: 'completed' | 'failed' | 'cancelled', now: number): JobRecord {
  return { ...job, state, finishedAt: new Date(now) };
}
