/**
 * What BullMQ's own tools (bull-board, `Job.retry`, `Job.promote`, `Queue.retryJobs`) do to a
 * Switchyard job behind the adapter's back, and how the adapter reads it (pure).
 *
 * - A retry from a tool (BullMQ's `reprocessJob`) puts a finished job back to waiting but keeps
 *   its attempt counters and the adapter's fields. BullMQ adds one to `atm` (attempts made)
 *   whenever a job finishes, and the adapter records `atm` in `syAtm` whenever it retries a job
 *   itself, so `atm ≠ syAtm` (or a cancelled mark) on a job that is not finished means a tool put
 *   it back. The adapter then gives it a fresh attempt budget, as `yard.jobs.retry` does.
 * - A promotion (`Job.promote`) moves a delayed job to waiting without recording when: the job's
 *   runAt is then read as "no later than it could have been taken".
 */
import { CANCELLED_STATE, FIELD } from './keys.js';
import type { BullPlace } from './state-mapping.js';

function count(text: string | undefined): number {
  const value = text === undefined ? 0 : Number(text);
  return Number.isFinite(value) ? value : 0;
}

/**
 * True when a job that finished (completed, failed or cancelled) was put back by a BullMQ tool and
 * has not run since (its attempt budget is still the old one).
 */
export function putBackByTool(fields: Record<string, string | undefined>): boolean {
  return fields[FIELD.state] === CANCELLED_STATE || count(fields.atm) !== count(fields[FIELD.attemptsMade]);
}

/**
 * Whether a delivery may be of a job a tool put back: only a job with `atm > 0` (it was retried by
 * the adapter, or finished) can be. First deliveries and stall redeliveries skip the check.
 */
export function mayBePutBack(attemptsMade: number): boolean {
  return attemptsMade > 0;
}

/**
 * The runAt to report. A job that is not delayed but whose stored runAt lies after the moment it
 * could have been taken was promoted early (by a tool): its runAt is then that moment, its start
 * when it ran, or `now` while it waits (it is runnable now).
 */
export function effectiveRunAt(
  place: BullPlace,
  storedRunAt: number,
  startedAt: number | undefined,
  now: number,
): number {
  switch (place) {
    case 'wait':
    case 'prioritized':
      return Math.min(storedRunAt, now);
    case 'active':
    case 'completed':
    case 'failed':
      return startedAt === undefined ? storedRunAt : Math.min(storedRunAt, startedAt);
    case 'delayed':
    case 'unknown':
      return storedRunAt;
  }
}
