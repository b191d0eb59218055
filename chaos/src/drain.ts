/**
 * After the last fault: waits until every acknowledged job completed (or a deadline), then
 * reads what the backend holds — the state of every acknowledged job that did not complete,
 * and how many jobs of the run are still unfinished.
 */
import type { JobCounts, JobState, Switchyard } from '@switchyard/core';
import { CHAOS_QUEUE } from './task.ts';

/** What the drain found. */
export interface DrainOutcome {
  /** From the last fault until every acknowledged job completed; null when some never did. */
  drainMs: number | null;
  finalState(id: string): JobState | null;
  /** Jobs of the run still pending, scheduled, running or retrying at the end. */
  unfinished: number;
  counts: JobCounts;
}

const POLL_MS = 250;

/** Counts of the run's queue; a failing call (a reconnect) is tried again. */
async function counts(yard: Switchyard): Promise<JobCounts> {
  for (let tries = 0; ; tries++) {
    try {
      return await yard.jobs.counts({ queue: CHAOS_QUEUE });
    } catch (error) {
      if (tries >= 20) throw error;
      await sleep(POLL_MS);
    }
  }
}

const unfinishedOf = (c: JobCounts) => c.pending + c.scheduled + c.running + c.retrying;

/** Ids of every completed job of the run. */
async function completedIds(yard: Switchyard): Promise<Set<string>> {
  const ids = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await yard.jobs.list({
      queue: CHAOS_QUEUE,
      state: 'completed',
      limit: 1000,
      ...(cursor ? { cursor } : {}),
    });
    for (const job of page.jobs) ids.add(job.id);
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

/**
 * Waits up to `timeoutMs` after `lastFaultAt` for the acknowledged jobs to complete, then up to
 * `leftoverMs` more for the run's other unfinished entries (malformed ones) to end.
 */
export async function drain(
  yard: Switchyard,
  acknowledged: readonly string[],
  options: { lastFaultAt: number; timeoutMs: number; leftoverMs: number },
): Promise<DrainOutcome> {
  const deadline = options.lastFaultAt + options.timeoutMs;
  let drainMs: number | null = null;
  let completed = new Set<string>();
  for (;;) {
    const now = Date.now();
    const current = await counts(yard);
    if (current.completed >= acknowledged.length) {
      completed = await completedIds(yard);
      if (acknowledged.every((id) => completed.has(id))) {
        drainMs = Math.max(0, now - options.lastFaultAt);
        break;
      }
    }
    // Nothing left to run: whatever is missing now will not come.
    if (unfinishedOf(current) === 0 && current.completed > 0 && now > options.lastFaultAt + 5000) {
      completed = await completedIds(yard);
      if (!acknowledged.every((id) => completed.has(id))) break;
    }
    if (now > deadline) break;
    await sleep(POLL_MS);
  }
  const leftoverDeadline = Date.now() + options.leftoverMs;
  let final = await counts(yard);
  while (unfinishedOf(final) > 0 && Date.now() < leftoverDeadline) {
    await sleep(POLL_MS);
    final = await counts(yard);
  }
  if (drainMs === null) completed = await completedIds(yard);
  const states = new Map<string, JobState | null>();
  for (const id of acknowledged) {
    if (completed.has(id)) continue;
    states.set(id, (await yard.jobs.get(id))?.state ?? null);
  }
  return {
    drainMs,
    finalState: (id) => (completed.has(id) ? 'completed' : (states.get(id) ?? null)),
    unfinished: unfinishedOf(final),
    counts: final,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
