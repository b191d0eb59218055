/** Async waiting helpers shared by the side-by-side backend scripts. */

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `predicate` every `pollMs` until it holds; resolves to false once
 * `timeoutMs` has passed without it holding. Polling (not events) because the
 * handlers under test only bump a counter, the cheapest thing they can do.
 */
export async function until(predicate: () => boolean, timeoutMs: number, pollMs = 1): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) return false;
    await sleep(pollMs);
  }
  return true;
}
