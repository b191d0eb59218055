/**
 * Exit codes and the mapping from errors to them: 0 ok, 1 failure, 2 usage error,
 * 3 not found, 4 refused (auth or role), 5 backend unreachable. Pure, so the whole
 * table is tested without a process.
 */
import { SwitchyardError } from '@switchyard/core';

/** The exit codes of `switchyard`, as documented in docs/cli.md. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  notFound: 3,
  refused: 4,
  unreachable: 5,
} as const;

/** One of the exit codes. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An error the CLI reports as one line and maps to a given exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    /** The process exit code this error ends with. */
    readonly exitCode: ExitCodeValue,
    /** A stable code for `--json` output, e.g. `USAGE`, `NOT_FOUND`. */
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}

/** A usage error (bad flag value, bad config): exit 2. */
export function usageError(message: string, options?: { cause?: unknown }): CliError {
  return new CliError(message, ExitCode.usage, 'USAGE', options);
}

/** Something named does not exist (job, schedule): exit 3. */
export function notFoundError(message: string): CliError {
  return new CliError(message, ExitCode.notFound, 'NOT_FOUND');
}

/** The backend (or the API) cannot be reached: exit 5. */
export function unreachableError(message: string, options?: { cause?: unknown }): CliError {
  return new CliError(message, ExitCode.unreachable, 'UNREACHABLE', options);
}

/** Core error codes that mean "the input was wrong", not "the operation failed". */
const USAGE_CODES = new Set(['VALIDATION_FAILED', 'UNKNOWN_TASK', 'INVALID_OPTIONS', 'PAYLOAD_TOO_LARGE']);

/** Core error codes that mean the backend failed or cannot be reached. */
const UNREACHABLE_CODES = new Set(['ADAPTER_ERROR', 'BACKEND_UNAVAILABLE']);

/** The exit code and stable code for anything thrown by a command. */
export function classifyError(error: unknown): { exitCode: ExitCodeValue; code: string } {
  if (error instanceof CliError) return { exitCode: error.exitCode, code: error.code };
  if (SwitchyardError.is(error)) {
    if (USAGE_CODES.has(error.code)) return { exitCode: ExitCode.usage, code: error.code };
    if (UNREACHABLE_CODES.has(error.code)) return { exitCode: ExitCode.unreachable, code: error.code };
    return { exitCode: ExitCode.failure, code: error.code };
  }
  // Errors of the HTTP client carry the status and the problem's stable code (often core's).
  const status = httpStatusOf(error);
  if (status !== undefined) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string') return { exitCode: exitCodeForStatus(status), code: `HTTP_${status}` };
    if (USAGE_CODES.has(code)) return { exitCode: ExitCode.usage, code };
    return { exitCode: exitCodeForStatus(status), code };
  }
  if (isNetworkError(error)) return { exitCode: ExitCode.unreachable, code: 'UNREACHABLE' };
  return { exitCode: ExitCode.failure, code: 'FAILED' };
}

/** The exit code of an HTTP error status. */
export function exitCodeForStatus(status: number): ExitCodeValue {
  if (status === 400 || status === 413 || status === 422) return ExitCode.usage;
  if (status === 401 || status === 403) return ExitCode.refused;
  if (status === 404) return ExitCode.notFound;
  if (status === 502 || status === 503 || status === 504) return ExitCode.unreachable;
  return ExitCode.failure;
}

function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : undefined;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'EAI_AGAIN',
]);

/** True for a socket-level failure (fetch wraps it as `cause`). */
function isNetworkError(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
