/**
 * A job's outcome rides a backend outage: when storing it (complete, retry, fail,
 * cancelled) fails because the backend is unreachable, the worker keeps the outcome and
 * tries again, with backoff, until the lease would lapse (`leaseDuration` after its last
 * renewal). Past that the job is someone else's to run again, so the outcome is dropped
 * and the job is redelivered, as after a crash. Any other failure is not retried.
 */
import { callBackend } from './backend-call.js';
import type { BackendHealth } from './backend-health.js';
import type { Clock } from './clock.js';
import { BackendUnavailableError, LeaseExpiredError } from './errors.js';
import type { Logger } from './logger.js';
import type { SettleWatchdog } from './settle-watchdog.js';

/** The first wait after a failed settle, doubled after each further failure up to the cap. */
const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 1000;

/** The wait before settle try number `failures + 1` (pure). */
export function settleRetryDelay(failures: number): number {
  return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, failures - 1));
}

/**
 * The next try's time, or null when it would come too late: the lease lapses at
 * `deadline`, and a try needs `minimumMs` to be of any use (pure).
 */
export function nextSettleTry(
  now: number,
  failures: number,
  deadline: number,
  minimumMs = 50,
): number | null {
  const at = now + settleRetryDelay(failures);
  return at + minimumMs <= deadline ? at : null;
}

/** What retrying a settle needs from the worker. */
export interface SettleRetryContext {
  adapter: string;
  health: BackendHealth;
  clock: Clock;
  leaseDurationMs: number;
  /** Gives up a first call that hangs past the deadline. */
  watchdog: SettleWatchdog;
}

/** The error a settle that could not be stored before the lease lapsed ends with. */
export class SettleLapsedError extends LeaseExpiredError {
  constructor(readonly lastError: unknown) {
    super('the backend was unavailable until the lease lapsed; the job will be redelivered');
  }
}

/**
 * Resolves once `first` (the settle call already made) or a repeat of it through `again`
 * stored the outcome. Rejects with the error when it was not an outage, or with
 * `SettleLapsedError` when the backend stayed unreachable until the lease would lapse.
 * `renewedAt`: when the lease was last renewed (handed out or heartbeated). A call that
 * hangs (a driver queueing commands while disconnected) is given up once the deadline has
 * passed too, at the watchdog's next check.
 *
 * Once per job on the worker's hot path: one promise, one reaction on `first` and no timer
 * of its own when the call goes through (the worker's watchdog checks the deadline).
 */
export function settleDespiteOutage(
  first: Promise<void>,
  again: () => Promise<void>,
  renewedAt: number,
  context: SettleRetryContext,
  logger: Logger,
): Promise<void> {
  const { watchdog } = context;
  const deadline = renewedAt + context.leaseDurationMs;
  return new Promise<void>((resolve, reject) => {
    let answered = false;
    const failed = (error: unknown) => {
      if (!context.health.failed(error, 'settle')) reject(error);
      else retry(again, deadline, context, logger, error).then(resolve, reject);
    };
    const watched = watchdog.watch(deadline, () => {
      answered = true;
      failed(new BackendUnavailableError(context.adapter, 'settle got no answer before the lease lapsed'));
    });
    first.then(
      () => {
        if (answered) return;
        answered = true;
        watchdog.answered(watched);
        resolve();
      },
      (error: unknown) => {
        if (answered) return;
        answered = true;
        watchdog.answered(watched);
        failed(error);
      },
    );
  });
}

async function retry(
  again: () => Promise<void>,
  deadline: number,
  context: SettleRetryContext,
  logger: Logger,
  firstError: unknown,
): Promise<void> {
  const { clock, health } = context;
  let lastError = firstError;
  for (let failures = 1; ; failures++) {
    const at = nextSettleTry(clock.now(), failures, deadline);
    if (at === null) {
      health.leaseLapsed();
      logger.debug({ err: lastError }, 'switchyard: could not store the outcome before the lease lapsed');
      throw new SettleLapsedError(lastError);
    }
    await new Promise<void>((resolve) => clock.setTimeout(resolve, at - clock.now()));
    try {
      await callBackend(context.adapter, 'settle', Math.max(1, deadline - clock.now()), again);
      health.settledAfterOutage();
      return;
    } catch (error) {
      if (!health.failed(error, 'settle')) throw error;
      lastError = error;
    }
  }
}
