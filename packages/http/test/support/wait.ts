/** Waiting for a condition on a real backend: poll with a short interval, fail with what was last seen. */
import type { JobState, Switchyard } from '@switchyard/core';

/** Polls `read` until `done(value)`; throws after `timeoutMs` naming the last value. */
export async function waitUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T;
  do {
    last = await read();
    if (done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 20));
  } while (Date.now() < deadline);
  throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(last)}`);
}

/** Waits until a job (read through `yard`) is in `state`. */
export function waitForState(yard: Switchyard, id: string, state: JobState): Promise<unknown> {
  return waitUntil(
    async () => (await yard.jobs.get(id))?.state ?? null,
    (current) => current === state,
    `job ${id} to be ${state}`,
  );
}
