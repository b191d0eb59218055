/** Backend failures surface as `AdapterError('bullmq', ...)` with the original as `cause`. */
import { AdapterError, SwitchyardError } from '@switchyard/core';
import { ErrorCode } from 'bullmq';

/** The adapter's name, as used in errors and `adapter.name`. */
export const ADAPTER_NAME = 'bullmq';

/** `error` as the adapter reports it: a Switchyard error as is, anything else as `AdapterError`. */
export function toAdapterError(what: string, error: unknown): Error {
  if (SwitchyardError.is(error)) return error;
  return new AdapterError(
    ADAPTER_NAME,
    `${what} failed: ${error instanceof Error ? error.message : String(error)}`,
    { cause: error },
  );
}

/** Runs `operation`, wrapping anything but a Switchyard error as `AdapterError`. */
export async function wrapErrors<T>(what: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw toAdapterError(what, error);
  }
}

/**
 * True when BullMQ refused a move because this worker no longer holds the job
 * (lock missing or taken by another worker, or the job left `active`): the lease was lost.
 */
export function isLeaseLostError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    code === ErrorCode.JobNotExist ||
    code === ErrorCode.JobLockNotExist ||
    code === ErrorCode.JobNotInState ||
    code === ErrorCode.JobLockMismatch
  );
}
