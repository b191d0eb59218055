/**
 * The job state machine as data (API.md §3). Adapters and the conformance suite
 * check observed state sequences against it; nothing here does I/O.
 */
import type { JobState } from './job.js';

/**
 * Legal transitions; the key `'enqueue'` lists the states a new job may start in.
 * A manual `retry` is the only way out of `failed` or `cancelled`; `completed` is final.
 */
export const JOB_TRANSITIONS: Readonly<Record<JobState | 'enqueue', readonly JobState[]>> = Object.freeze({
  // runAt <= now starts ready; runAt in the future starts waiting.
  enqueue: Object.freeze(['pending', 'scheduled'] as const),
  // runAt arrived -> ready; cancelled while waiting; or a due job leased directly,
  // without anyone observing it as pending first (e.g. a delayed set promoted on fetch).
  scheduled: Object.freeze(['pending', 'cancelled', 'running'] as const),
  // A worker leased it, or it was cancelled before that. Nothing puts a ready job back to waiting.
  pending: Object.freeze(['running', 'cancelled'] as const),
  // Handler returned; failed with attempts left; failed for good; cancelled while running;
  // or the lease was lost (worker crash/stall) and the job is redelivered.
  running: Object.freeze(['completed', 'retrying', 'failed', 'cancelled', 'pending'] as const),
  // Backoff elapsed -> ready; or leased straight after the backoff; or cancelled while waiting.
  retrying: Object.freeze(['pending', 'running', 'cancelled'] as const),
  // Manual retry with a fresh attempt budget.
  failed: Object.freeze(['pending'] as const),
  // Manual retry of a cancelled job.
  cancelled: Object.freeze(['pending'] as const),
  // A completed job never changes again.
  completed: Object.freeze([] as const),
});

/** True when a job may move from `from` to `to` (`from = 'enqueue'` asks about a new job's first state). */
export function canTransition(from: JobState | 'enqueue', to: JobState): boolean {
  return Object.hasOwn(JOB_TRANSITIONS, from) && JOB_TRANSITIONS[from].includes(to);
}

/** `null` when `from -> to` is legal, otherwise a sentence saying why not and what is allowed instead. */
export function explainIllegalTransition(from: JobState | 'enqueue', to: JobState): string | null {
  if (canTransition(from, to)) return null;
  if (!Object.hasOwn(JOB_TRANSITIONS, from)) return `"${from}" is not a job state`;
  const allowed = JOB_TRANSITIONS[from];
  const subject = from === 'enqueue' ? 'a new job cannot start in' : `a job cannot move from "${from}" to`;
  const instead = allowed.length === 0 ? `"${from}" is final` : `allowed: ${allowed.join(' | ')}`;
  return `${subject} "${to}" (${instead})`;
}

/** Result of {@link checkSequence}: `index` is the position in the input of the offending state. */
export type SequenceCheck =
  | { ok: true }
  | { ok: false; index: number; from: JobState | 'enqueue'; to: JobState };

/**
 * Checks an observed state sequence `enqueue -> states[0] -> states[1] -> ...`.
 * Consecutive repeats (two polls that both saw `pending`) are one observation, not
 * a transition, so they are skipped. An empty sequence is ok.
 */
export function checkSequence(states: readonly JobState[]): SequenceCheck {
  let from: JobState | 'enqueue' = 'enqueue';
  for (const [index, to] of states.entries()) {
    if (to === from) continue;
    if (!canTransition(from, to)) return { ok: false, index, from, to };
    from = to;
  }
  return { ok: true };
}
