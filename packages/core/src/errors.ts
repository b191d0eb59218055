/**
 * Typed errors. Every Switchyard error carries a stable `code` and a
 * `Symbol.for('switchyard.error')` marker, so `SwitchyardError.is(e)` works even
 * when two copies of this package are installed.
 */
const MARKER = Symbol.for('switchyard.error');

/** Stable error codes. */
export type SwitchyardErrorCode =
  | 'VALIDATION_FAILED'
  | 'DUPLICATE_JOB'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNKNOWN_TASK'
  | 'CAPABILITY_UNSUPPORTED'
  | 'INVALID_OPTIONS'
  | 'JOB_TIMEOUT'
  | 'JOB_CANCELLED'
  | 'LEASE_EXPIRED'
  | 'NOT_STARTED'
  | 'CLOSED'
  | 'ADAPTER_ERROR'
  | 'NON_RETRYABLE'
  | 'RETRY_AFTER'
  | 'RATE_LIMITED'
  | 'MALFORMED_JOB'
  | 'HANDLER_ERROR'
  | 'WAIT_TIMEOUT'
  | 'BACKEND_UNAVAILABLE';

/** Base class of every error Switchyard throws. */
export class SwitchyardError extends Error {
  readonly code: SwitchyardErrorCode;
  readonly [MARKER] = true;

  constructor(code: SwitchyardErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }

  /** True for any Switchyard error, from any copy of the package. */
  static is(error: unknown): error is SwitchyardError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }

  /** True when `error` is a Switchyard error with this code. */
  static hasCode<C extends SwitchyardErrorCode>(
    error: unknown,
    code: C,
  ): error is SwitchyardError & { code: C } {
    return SwitchyardError.is(error) && error.code === code;
  }
}

/** One problem reported by a Standard Schema validator. */
export interface ValidationIssue {
  message: string;
  path?: ReadonlyArray<PropertyKey>;
}

/** A payload failed its task's schema, or is not plain JSON. Nothing was written. */
export class ValidationError extends SwitchyardError {
  constructor(
    message: string,
    readonly issues: ReadonlyArray<ValidationIssue> = [],
  ) {
    super('VALIDATION_FAILED', message);
  }
}

/** A job with the same `uniqueKey` (or id) is still unfinished. */
export class DuplicateJobError extends SwitchyardError {
  constructor(
    readonly existingJobId: string,
    readonly uniqueKey?: string,
  ) {
    super(
      'DUPLICATE_JOB',
      `an unfinished job already holds ${uniqueKey ? `unique key "${uniqueKey}"` : 'this id'}: ${existingJobId}`,
    );
  }
}

/** The serialized payload is larger than the yard or the adapter allows. */
export class PayloadTooLargeError extends SwitchyardError {
  constructor(
    readonly sizeBytes: number,
    readonly limitBytes: number,
  ) {
    super('PAYLOAD_TOO_LARGE', `payload is ${sizeBytes} bytes; the limit is ${limitBytes} bytes`);
  }
}

/**
 * The input of a flow step (the result it is given) is larger than the payload cap: the
 * step's job is stored without it and fails with this error before its handler runs.
 */
export class FlowInputTooLargeError extends PayloadTooLargeError {
  constructor(
    sizeBytes: number,
    limitBytes: number,
    /** The step's path in its flow. */
    readonly step: string,
    readonly task: string,
  ) {
    super(sizeBytes, limitBytes);
    this.message = `the input of flow step "${step}" (task "${task}") is ${sizeBytes} bytes; the payload limit is ${limitBytes} bytes`;
  }
}

/** No task with this name is registered. */
export class UnknownTaskError extends SwitchyardError {
  constructor(readonly task: string) {
    super('UNKNOWN_TASK', `unknown task "${task}"`);
  }
}

/** The adapter declares that it cannot do what was asked. */
export class CapabilityError extends SwitchyardError {
  constructor(
    readonly adapter: string,
    readonly capability: string,
    detail: string,
  ) {
    super('CAPABILITY_UNSUPPORTED', `${adapter}: ${detail} (capability "${capability}")`);
  }
}

/** An option is malformed (bad duration, bad cron, out-of-range priority, ...). */
export class InvalidOptionsError extends SwitchyardError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_OPTIONS', message, options);
  }
}

/** The attempt ran past its timeout; `ctx.signal` aborted with this. */
export class JobTimeoutError extends SwitchyardError {
  constructor(readonly timeoutMs: number) {
    super('JOB_TIMEOUT', `job timed out after ${timeoutMs} ms`);
  }
}

/** The job was cancelled; `ctx.signal` aborted with this. */
export class JobCancelledError extends SwitchyardError {
  constructor(message = 'job was cancelled') {
    super('JOB_CANCELLED', message);
  }
}

/** The worker lost its lease; with no attempts left the job fails with this. */
export class LeaseExpiredError extends SwitchyardError {
  constructor(message = 'the lease on this job expired before it finished') {
    super('LEASE_EXPIRED', message);
  }
}

/** The yard or worker was used before `start()`. */
export class NotStartedError extends SwitchyardError {
  constructor(what: string) {
    super('NOT_STARTED', `${what} is not started; call start() first`);
  }
}

/** The yard or worker was used after `close()`. */
export class ClosedError extends SwitchyardError {
  constructor(what: string) {
    super('CLOSED', `${what} is closed`);
  }
}

/** A backend call failed; the original error is `cause`. */
export class AdapterError extends SwitchyardError {
  constructor(
    readonly adapter: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('ADAPTER_ERROR', `${adapter}: ${message}`, options);
  }
}

/**
 * The backend did not answer within `backendTimeout`, or its connection is down. Nothing
 * was acknowledged: retrying is safe (an enqueue retried with the same `id` is idempotent).
 */
export class BackendUnavailableError extends SwitchyardError {
  constructor(
    readonly adapter: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('BACKEND_UNAVAILABLE', `${adapter}: ${message}`, options);
  }
}

/** A stored job could not be decoded (corrupt row, foreign message). The job fails; the worker goes on. */
export class MalformedJobError extends SwitchyardError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('MALFORMED_JOB', message, options);
  }
}

/** Thrown by a handler to fail the job now, without further attempts. */
export class NonRetryableError extends SwitchyardError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('NON_RETRYABLE', message, options);
  }
}

/** Thrown by a handler to retry after exactly `delay` (ms or a duration string), e.g. an HTTP 429. */
export class RetryAfterError extends SwitchyardError {
  constructor(
    readonly delay: number | string,
    message = `retry after ${delay}`,
    options?: { cause?: unknown },
  ) {
    super('RETRY_AFTER', message, options);
  }
}

/**
 * Thrown by a handler when a partner refused for now (an HTTP 429): the job waits `delay`
 * (ms or a duration string) without consuming the attempt, and the task's `rateLimit` is
 * pushed back by as much, so no other worker starts the task before then. On an adapter
 * without `capabilities.throttle` it acts as `RetryAfterError` (the attempt is consumed).
 */
export class RateLimitedError extends SwitchyardError {
  constructor(
    readonly delay: number | string,
    message = `rate limited for ${delay}`,
    options?: { cause?: unknown },
  ) {
    super('RATE_LIMITED', message, options);
  }
}

/** A handler threw something that is not an Error (a string, an object, undefined). */
export class HandlerError extends SwitchyardError {
  constructor(readonly thrown: unknown) {
    super('HANDLER_ERROR', `handler threw a non-Error value: ${describeThrown(thrown)}`);
  }
}

function describeThrown(value: unknown): string {
  try {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return text === undefined ? String(value) : text.slice(0, 200);
  } catch {
    return String(value);
  }
}

/** The JSON form of an error, stored on a job. */
export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  stack?: string;
}

/** Turns anything thrown into an `Error` (non-Errors become `HandlerError`). */
export function toError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new HandlerError(thrown);
}

/** The JSON form of anything thrown. */
export function serializeError(thrown: unknown): SerializedError {
  const error = toError(thrown);
  const code = (error as { code?: unknown }).code;
  return {
    name: error.name,
    message: error.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(error.stack ? { stack: error.stack } : {}),
  };
}

/** `jobs.waitFor` gave up before the job reached a terminal state. */
export class WaitTimeoutError extends SwitchyardError {
  constructor(
    readonly jobId: string,
    readonly timeoutMs: number,
  ) {
    super('WAIT_TIMEOUT', `job ${jobId} did not finish within ${timeoutMs} ms`);
  }
}
