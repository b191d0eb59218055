/**
 * Pure record transitions: what each operation does to a stored record. The
 * adapter applies them under compare-and-set (`records.ts`), so each is a plain
 * function of (record, time) that is easy to test and to read.
 */
import type { NewJob, SerializedError } from '@switchyard/core';
import { plainError, type StoredRecord } from './codec.js';

/** A new job's first record: `scheduled` when runAt is in the future, else `pending`. */
export function newRecord(job: NewJob, now: number): StoredRecord {
  return {
    ...job,
    state: job.runAt.getTime() > now ? 'scheduled' : 'pending',
    attempt: 0,
    doorbell: 1,
  };
}

/** Removes optional fields (JSON would drop `undefined` anyway; this keeps in-memory copies equal). */
function without(record: StoredRecord, ...fields: Array<keyof StoredRecord>): StoredRecord {
  const copy = { ...record };
  for (const field of fields) delete copy[field];
  return copy;
}

/** Delivery to a worker: running under a new lease token, one more attempt used. */
export function claimed(record: StoredRecord, now: Date, leaseToken: string): StoredRecord {
  return {
    ...without(record, 'cancelRequested', 'movedOff'),
    state: 'running',
    attempt: record.attempt + 1,
    startedAt: now,
    leaseToken,
  };
}

/** running → completed with its result; errors of earlier attempts go (a completed job carries none). */
export function completed(record: StoredRecord, result: unknown, now: Date): StoredRecord {
  const next = {
    ...without(record, 'leaseToken', 'cancelRequested', 'result', 'error'),
    state: 'completed' as const,
    finishedAt: now,
  };
  return result === undefined ? next : { ...next, result };
}

/** running → retrying (or pending when `at` is not in the future), runnable again at `at`. */
export function retried(record: StoredRecord, at: Date, error: SerializedError, now: Date): StoredRecord {
  return {
    ...without(record, 'leaseToken', 'cancelRequested'),
    state: at.getTime() > now.getTime() ? 'retrying' : 'pending',
    runAt: at,
    error: plainError(error),
  };
}

/**
 * running → waiting until `at` with the attempt given back and no error recorded: a throttle
 * refused the start, so nothing ran.
 */
export function deferred(record: StoredRecord, at: Date, now: Date): StoredRecord {
  return {
    ...without(record, 'leaseToken', 'cancelRequested', 'startedAt'),
    state: at.getTime() > now.getTime() ? 'retrying' : 'pending',
    runAt: at,
    attempt: Math.max(0, record.attempt - 1),
  };
}

/** running → failed, permanently. */
export function failed(record: StoredRecord, error: SerializedError, now: Date): StoredRecord {
  return {
    ...without(record, 'leaseToken', 'cancelRequested'),
    state: 'failed',
    error: plainError(error),
    finishedAt: now,
  };
}

/** → cancelled (a waiting job, or a running one whose holder stopped it). */
export function cancelled(record: StoredRecord, now: Date): StoredRecord {
  return {
    ...without(record, 'leaseToken', 'cancelRequested', 'movedOff'),
    state: 'cancelled',
    finishedAt: now,
  };
}

/** running → pending: the lease is given back and its attempt not counted. */
export function released(record: StoredRecord): StoredRecord {
  return {
    ...without(record, 'leaseToken', 'cancelRequested'),
    state: 'pending',
    attempt: Math.max(0, record.attempt - 1),
  };
}

/** failed/cancelled → pending with a fresh attempt budget and a new doorbell generation. */
export function manuallyRetried(record: StoredRecord, now: Date): StoredRecord {
  return {
    ...without(
      record,
      'leaseToken',
      'cancelRequested',
      'finishedAt',
      'result',
      'error',
      'progress',
      'startedAt',
      'movedOff',
    ),
    state: 'pending',
    attempt: 0,
    runAt: now,
    doorbell: record.doorbell + 1,
  };
}

/** Seconds to wait before a job due at `runAtMs` is runnable, rounded up (SQS counts whole seconds). */
export function secondsUntil(runAtMs: number, nowMs: number): number {
  return Math.max(0, Math.ceil((runAtMs - nowMs) / 1000));
}

/**
 * Strict ordering: the delay of a delayed job's own ticket, rounded down. SQS counts whole
 * seconds; a ticket that arrives up to a second early waits out the rest in the process that
 * received it (see `TicketDelivery`), so a job deferred to a rate window's end starts at the
 * end, not up to a second after it.
 */
export function ticketDelaySeconds(runAtMs: number, nowMs: number): number {
  return Math.max(0, Math.floor((runAtMs - nowMs) / 1000));
}

/** SQS caps a message delay at 15 minutes; longer waits are done in hops. */
export const MAX_DELAY_SECONDS = 900;
/** SQS caps a visibility timeout at 12 hours. */
export const MAX_VISIBILITY_SECONDS = 43_200;

/** The visibility timeout of a lease: whole seconds, at least one. */
export function leaseSeconds(leaseDurationMs: number): number {
  return Math.min(MAX_VISIBILITY_SECONDS, Math.max(1, Math.ceil(leaseDurationMs / 1000)));
}
