/**
 * Errors as RFC 9457 problem details (`application/problem+json`) with a stable `code`.
 * Core's typed errors map to statuses by one table; anything unexpected becomes a 500
 * whose body says nothing about the cause (the cause goes to the log, never a stack
 * trace to the client).
 */
import {
  DuplicateJobError,
  SwitchyardError,
  type SwitchyardErrorCode,
  ValidationError,
} from '@switchyard/core';

/** Codes the HTTP layer adds to core's. */
export type HttpErrorCode =
  | 'INVALID_REQUEST'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'BODY_TOO_LARGE'
  | 'NOT_FOUND'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'RATE_LIMITED'
  | 'RATE_LIMITER_UNAVAILABLE'
  | 'JOB_STATE_CONFLICT'
  | 'DASHBOARD_UNAVAILABLE'
  | 'INTERNAL';

/** Every `code` a problem response can carry. */
export type ProblemCode = HttpErrorCode | SwitchyardErrorCode;

/** One problem in a request (a field that failed validation). */
export interface ProblemIssue {
  path: string;
  message: string;
}

/** An RFC 9457 problem, with Switchyard's extension members. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ProblemCode;
  detail?: string;
  /** `DUPLICATE_JOB`: the unfinished job holding the unique key. */
  existingJobId?: string;
  /** `INVALID_REQUEST`, `VALIDATION_FAILED`: what was wrong, field by field. */
  issues?: ProblemIssue[];
  /** `RATE_LIMITED`: seconds until the next request is allowed (also in `Retry-After`). */
  retryAfter?: number;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

/**
 * The status of each core error code. `UNKNOWN_TASK` is 422, not 404: the request is
 * well formed and the route exists, but it names a task this server does not know.
 */
export const CORE_ERROR_STATUS: Partial<Record<SwitchyardErrorCode, number>> = {
  VALIDATION_FAILED: 422,
  INVALID_OPTIONS: 400,
  UNKNOWN_TASK: 422,
  DUPLICATE_JOB: 409,
  PAYLOAD_TOO_LARGE: 413,
  CAPABILITY_UNSUPPORTED: 501,
  ADAPTER_ERROR: 503,
  BACKEND_UNAVAILABLE: 503,
  NOT_STARTED: 503,
  CLOSED: 503,
};

/** Core codes whose message is about the request and safe to show; others get a generic detail. */
const SHOWN_MESSAGES = new Set<SwitchyardErrorCode>([
  'VALIDATION_FAILED',
  'INVALID_OPTIONS',
  'UNKNOWN_TASK',
  'DUPLICATE_JOB',
  'PAYLOAD_TOO_LARGE',
  'CAPABILITY_UNSUPPORTED',
]);

/** A problem for `status` and `code`. */
export function problem(
  status: number,
  code: ProblemCode,
  detail?: string,
  extra: Partial<Problem> = {},
): Problem {
  return {
    type: `urn:switchyard:problem:${code.toLowerCase().replaceAll('_', '-')}`,
    title: TITLES[status] ?? 'Error',
    status,
    code,
    ...(detail !== undefined ? { detail } : {}),
    ...extra,
  };
}

/** True when the error is ours to explain (a typed Switchyard error with a known status). */
export function isExpectedError(error: unknown): boolean {
  return SwitchyardError.is(error) && CORE_ERROR_STATUS[error.code] !== undefined;
}

/** The problem for anything thrown by the yard; unknown errors become a bare 500. */
export function problemFromError(error: unknown): Problem {
  if (!SwitchyardError.is(error))
    return problem(500, 'INTERNAL', 'the server could not complete the request');
  const status = CORE_ERROR_STATUS[error.code];
  if (status === undefined) return problem(500, 'INTERNAL', 'the server could not complete the request');
  if (!SHOWN_MESSAGES.has(error.code)) {
    return problem(status, error.code, 'the job backend is unavailable; try again later');
  }
  const extra: Partial<Problem> = {};
  if (error instanceof DuplicateJobError || SwitchyardError.hasCode(error, 'DUPLICATE_JOB')) {
    extra.existingJobId = (error as DuplicateJobError).existingJobId;
  }
  if (error instanceof ValidationError || SwitchyardError.hasCode(error, 'VALIDATION_FAILED')) {
    const issues = (error as ValidationError).issues ?? [];
    extra.issues = issues.map((issue) => ({
      path: (issue.path ?? []).map(String).join('.'),
      message: issue.message,
    }));
  }
  return problem(status, error.code, error.message, extra);
}

/** The response for a problem; `headers` adds e.g. `Retry-After` or `WWW-Authenticate`. */
export function problemResponse(value: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(value), {
    status: value.status,
    headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store', ...headers },
  });
}

/** Thrown by a route to answer with a problem (the API's error handler renders it). */
export class ProblemError extends Error {
  constructor(
    readonly problem: Problem,
    readonly headers: Record<string, string> = {},
  ) {
    super(problem.detail ?? problem.title);
    this.name = 'ProblemError';
  }
}

/** Throws a problem from inside a route handler. */
export function fail(status: number, code: ProblemCode, detail?: string): never {
  throw new ProblemError(problem(status, code, detail));
}
