/** Waiting on jobs through the public API, with messages that say what was expected. */
import {
  JOB_STATES,
  type JobRecord,
  type JobState,
  type Switchyard,
  TERMINAL_STATES,
} from '@switchyard/core';
import { expect } from 'vitest';
import { waitUntil } from './wait.js';

/** Waits until job `id` is in one of `states` and returns its record. */
export async function waitForState(
  yard: Switchyard,
  id: string,
  states: JobState | readonly JobState[],
  timeoutMs: number,
): Promise<JobRecord> {
  const wanted: readonly JobState[] = typeof states === 'string' ? [states] : states;
  let last: JobRecord | null = null;
  try {
    return await waitUntil(
      async () => {
        last = await yard.jobs.get(id);
        return last && wanted.includes(last.state) ? last : null;
      },
      timeoutMs,
      `job ${id} to be ${wanted.join(' | ')}`,
    );
  } catch (error) {
    const seen = last as JobRecord | null;
    throw new Error(
      `${(error as Error).message}; it is ${seen ? `${seen.state} (attempt ${seen.attempt}, error ${JSON.stringify(seen.error ?? null)})` : 'missing'}`,
      { cause: error },
    );
  }
}

/** Waits until job `id` is completed, failed or cancelled. */
export function waitForTerminal(yard: Switchyard, id: string, timeoutMs: number): Promise<JobRecord> {
  return waitForState(yard, id, TERMINAL_STATES, timeoutMs);
}

/** Asserts the backend holds no job at all on this yard's prefix: counts all zero and list empty. */
export async function expectNoJobs(yard: Switchyard): Promise<void> {
  const counts = await yard.jobs.counts();
  expect(counts).toEqual(Object.fromEntries(JOB_STATES.map((state) => [state, 0])));
  expect((await yard.jobs.list({})).jobs).toEqual([]);
}

/** Sum of all per-state counts. */
export async function totalJobs(yard: Switchyard, queue?: string): Promise<number> {
  const counts = await yard.jobs.counts(queue === undefined ? undefined : { queue });
  return Object.values(counts).reduce((sum, count) => sum + count, 0);
}

/** Runs `fn`, expecting it to reject with a Switchyard error of `code`; returns the error. */
export async function expectRejectsWithCode(
  fn: () => Promise<unknown>,
  code: string,
): Promise<Error & { code: string }> {
  let thrown: unknown;
  try {
    await fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `expected a rejection with code ${code}`).toBeInstanceOf(Error);
  expect((thrown as { code?: unknown }).code, String((thrown as Error)?.message)).toBe(code);
  return thrown as Error & { code: string };
}
