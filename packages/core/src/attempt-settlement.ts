/**
 * Settles one attempt: what its ending means for the job (complete, retry at T,
 * fail, cancelled, release), carried out on the lease exactly once, then announced
 * as events and metrics. The running attempt itself lives in `attempt.ts`.
 */
import type { Lease } from './adapter.js';
import type { AttemptHooks, AttemptRun, Ending } from './attempt.js';
import { parseDuration } from './duration.js';
import { SwitchyardError, serializeError, toError } from './errors.js';
import type { JobRecord } from './job.js';
import { assertJson } from './json.js';
import type { Logger } from './logger.js';
import { decideRetry, normalizeBackoff, type RetryDecision } from './retry.js';
import type { TaskDefinition } from './task.js';
import { errorLabel, noopMetrics } from './telemetry.js';

/**
 * Carries out what the attempt's ending means for the job. Returns undefined when
 * it finished synchronously (`Lease.completeNow`), else a promise for the rest.
 */
export function settle(run: AttemptRun, ending: Ending, payload: unknown): Promise<void> | undefined {
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
    return hooks
      .persist(lease.cancelled(), () => lease.cancelled(), run.renewedAt, logger)
      .then(() => announceCancelled(run));
  }
  if (ending.kind === 'returned') {
    const result = ending.result;
    try {
      if (result !== undefined) assertJson(result, 'result');
    } catch (error) {
      span.end('failed', error);
      return failJob(lease, toError(error), task, hooks, logger, payload, run.renewedAt);
    }
    if (lease.completeNow !== undefined) {
      lease.completeNow(result);
      announceCompleted(run, result);
      return undefined;
    }
    return hooks
      .persist(lease.complete(result), () => lease.complete(result), run.renewedAt, logger)
      .then(() => announceCompleted(run, result));
  }
  const error = ending.error;
  if (hooks.throttle && SwitchyardError.hasCode(error, 'RATE_LIMITED'))
    return rateLimited(run, error, payload);
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
    return failJob(lease, toError(policyError), task, hooks, logger, payload, run.renewedAt);
  }
  if (decision.action === 'fail') {
    span.end('failed', error);
    return failJob(lease, error, task, hooks, logger, payload, run.renewedAt);
  }
  const runAt = new Date(runtime.clock.now() + decision.delayMs);
  span.end('retrying', error);
  const serialized = serializeError(error);
  return hooks
    .persist(lease.retry(runAt, serialized), () => lease.retry(runAt, serialized), run.renewedAt, logger)
    .then(() => announceRetrying(run, error, runAt));
}

/**
 * The handler threw `RateLimitedError(delay)`: the task's rate window is pushed back by
 * `delay` and the job waits as long, its attempt not consumed (`ThrottleStore.defer`).
 */
function rateLimited(run: AttemptRun, error: SwitchyardError, payload: unknown): Promise<void> {
  const { lease, task, logger, hooks, span } = run;
  const gate = hooks.throttle!;
  let delayMs: number;
  try {
    delayMs = parseDuration(
      (error as SwitchyardError & { delay: number | string }).delay,
      'RateLimitedError delay',
    );
  } catch (policyError) {
    span.end('failed', policyError);
    return failJob(lease, toError(policyError), task, hooks, logger, payload, run.renewedAt);
  }
  const until = hooks.runtime.clock.now() + delayMs;
  const runAt = new Date(until);
  span.end('retrying', error);
  const deferred = async () => {
    await gate.pushBack(task, until);
    await gate.store.defer(lease, runAt);
  };
  return hooks.persist(deferred(), deferred, run.renewedAt, logger).then(() => {
    const { events } = hooks.runtime;
    logger.info({ err: error, runAt }, 'switchyard: rate limited by the handler; the job waits');
    if (events.has('job:retrying')) {
      events.emit('job:retrying', {
        job: { ...run.job, state: 'retrying', runAt, attempt: run.job.attempt - 1 },
        error,
        runAt,
      });
    }
  });
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
      job: finished(job, 'completed', now, { result }),
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
export async function failJob(
  lease: Lease,
  error: Error,
  task: TaskDefinition | undefined,
  hooks: AttemptHooks,
  logger: Logger,
  payload: unknown = lease.job.payload,
  renewedAt: number = hooks.runtime.clock.now(),
): Promise<void> {
  const { runtime } = hooks;
  const serialized = serializeError(error);
  const job = finished(lease.job, 'failed', runtime.clock.now(), { error: serialized });
  const onFailed = task?.onFailed;
  // Where the adapter offers it, the hook's writes commit (or roll back) with the failure.
  const inTransaction =
    onFailed !== undefined &&
    lease.failWithin !== undefined &&
    runtime.adapter.capabilities.failHookInTransaction === true;
  if (inTransaction) {
    await lease.failWithin!(serialized, async (tx) => {
      try {
        await onFailed(payload, { error, job, tx });
      } catch (hookError) {
        logger.error(
          { err: hookError },
          'switchyard: onFailed hook threw; its transaction rolled back and the job stays failed',
        );
        throw hookError;
      }
    });
  } else {
    await hooks.persist(lease.fail(serialized), () => lease.fail(serialized), renewedAt, logger);
  }
  if (runtime.metrics !== noopMetrics) {
    runtime.metrics.increment('jobs_failed_total', {
      queue: job.queue,
      task: job.task,
      error: errorLabel(error),
    });
  }
  logger.error({ err: error }, 'switchyard: job failed permanently');
  if (runtime.events.has('job:failed')) runtime.events.emit('job:failed', { job, error });
  if (!onFailed || inTransaction) return;
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

/** The job as it is once finished in `state` at `now`, with `outcome` (its result or error): one copy per event. */
export function finished(
  job: JobRecord,
  state: 'completed' | 'failed' | 'cancelled',
  now: number,
  outcome?: Pick<JobRecord, 'result'> | Pick<JobRecord, 'error'>,
): JobRecord {
  return { ...job, state, finishedAt: new Date(now), ...outcome };
}
