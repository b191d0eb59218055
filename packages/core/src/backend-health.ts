/**
 * Whether the backend answers, as one yard sees it. An outage is logged once when it
 * begins (warn) and once when the backend answers again (info, with what it cost); in
 * between, every further connection error — the worker's, the adapter's own log lines —
 * is logged at debug only, so a long outage does not flood the logs. The outage has a tail:
 * an adapter's connections come back one at a time, so for `OUTAGE_TAIL_MS` after the
 * backend answers, a connection error is taken as a connection not yet back (debug), not
 * as a new outage.
 */
import { isConnectionError } from './backend-call.js';
import type { Clock } from './clock.js';
import { SwitchyardError } from './errors.js';
import type { Logger } from './logger.js';

/** True for the errors of an unreachable backend: `BackendUnavailableError` or a connection error. */
export function isOutageError(error: unknown): boolean {
  return SwitchyardError.hasCode(error, 'BACKEND_UNAVAILABLE') || isConnectionError(error);
}

/**
 * How long after an outage ends a connection error still belongs to it: each connection
 * reconnects on its own backoff (ioredis waits up to 2 s between tries), plus a connect's
 * round trip.
 */
export const OUTAGE_TAIL_MS = 3000;

export class BackendHealth {
  private downSince: number | null = null;
  private upAt: number | null = null;
  private settledLate = 0;
  private leasesLapsed = 0;
  /** The logger handed to the adapter: its connection-error lines count as outage signs. */
  readonly adapterLogger: Logger;

  constructor(
    private readonly adapter: string,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {
    this.adapterLogger = outageAwareLogger(logger, this);
  }

  /** An outage is in progress (a backend call failed and none succeeded since). */
  get down(): boolean {
    return this.downSince !== null;
  }

  /**
   * Records a failed backend call. True when `error` is an outage error (logged once per
   * outage; the caller should then stay quiet); false for any other error.
   */
  failed(error: unknown, what: string): boolean {
    if (!isOutageError(error)) return false;
    const now = this.clock.now();
    if (this.downSince !== null) {
      this.logger.debug(
        { err: error, adapter: this.adapter, call: what },
        'switchyard: the backend is still unavailable',
      );
    } else if (this.upAt !== null && now - this.upAt < OUTAGE_TAIL_MS) {
      this.logger.debug(
        { err: error, adapter: this.adapter, call: what },
        'switchyard: a connection is not back yet after the outage',
      );
    } else {
      this.downSince = now;
      this.logger.warn(
        { err: error, adapter: this.adapter, outage: 'down', call: what },
        'switchyard: the backend is unavailable; workers keep running their jobs and settle them when it answers again',
      );
    }
    return true;
  }

  /** Records a backend call that succeeded; ends the outage, if one was in progress. */
  succeeded(): void {
    if (this.downSince === null) return;
    const downMs = Math.max(0, this.clock.now() - this.downSince);
    this.logger.info(
      {
        adapter: this.adapter,
        outage: 'up',
        downMs,
        settledLate: this.settledLate,
        leasesLapsed: this.leasesLapsed,
      },
      `switchyard: the backend answers again after ${(downMs / 1000).toFixed(1)} s (${this.settledLate} job results settled late, ${this.leasesLapsed} leases lapsed and will be redelivered)`,
    );
    this.downSince = null;
    this.upAt = this.clock.now();
    this.settledLate = 0;
    this.leasesLapsed = 0;
  }

  /** A job's outcome reached the backend after a failed first try. */
  settledAfterOutage(): void {
    this.settledLate++;
    this.succeeded();
  }

  /** A job's outcome could not be stored before its lease lapsed: the job will run again. */
  leaseLapsed(): void {
    this.leasesLapsed++;
  }
}

/** `logger`, but a warn/error line about an unreachable backend feeds `health` and is logged at debug. */
function outageAwareLogger(logger: Logger, health: BackendHealth): Logger {
  const demote =
    (level: 'warn' | 'error') =>
    (obj: object, msg?: string): void => {
      const error = (obj as { err?: unknown }).err;
      if (error !== undefined && health.failed(error, msg ?? 'adapter')) logger.debug(obj, msg);
      else logger[level](obj, msg);
    };
  return {
    debug: (obj, msg) => logger.debug(obj, msg),
    info: (obj, msg) => logger.info(obj, msg),
    warn: demote('warn'),
    error: demote('error'),
  };
}
