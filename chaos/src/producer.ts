/** Enqueueing for a chaos run: everything up front, or at a steady rate through a fault. */
import { type Switchyard, SwitchyardError } from '@switchyard/core';
import { chaosTask } from './task.ts';

/** Enqueues `count` jobs in batches of `batch`; resolves with their ids. */
export async function enqueueAll(yard: Switchyard, count: number, batch = 500): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < count; start += batch) {
    const payloads = Array.from({ length: Math.min(batch, count - start) }, (_, index) => ({
      n: start + index,
    }));
    const results = await yard.enqueueMany(chaosTask, payloads);
    for (const result of results) ids.push(result.id);
  }
  return ids;
}

/** One enqueue of a steady producer. */
export interface EnqueueAttempt {
  at: number;
  ms: number;
  outcome: 'stored' | 'spooled' | 'refused';
  /** The error code of a refused enqueue. */
  code?: string;
  id?: string;
}

/**
 * Enqueues one job every `1000 / perSecond` ms (without waiting for the previous one, as
 * independent requests would) until `stop()` is called; `attempts` records every call.
 */
export function steadyProducer(yard: Switchyard, perSecond: number) {
  const attempts: EnqueueAttempt[] = [];
  const inFlight = new Set<Promise<void>>();
  let n = 0;
  const timer = setInterval(() => {
    const at = Date.now();
    const call = yard.enqueue(chaosTask, { n: n++ }).then(
      (result) => {
        attempts.push({
          at,
          ms: Date.now() - at,
          outcome: result.spooled ? 'spooled' : 'stored',
          id: result.id,
        });
      },
      (error: unknown) => {
        const code = SwitchyardError.is(error) ? error.code : 'UNKNOWN';
        attempts.push({ at, ms: Date.now() - at, outcome: 'refused', code });
      },
    );
    inFlight.add(call);
    void call.finally(() => inFlight.delete(call));
  }, 1000 / perSecond);
  return {
    attempts,
    /** Stops producing and waits for the calls still out. */
    async stop(): Promise<void> {
      clearInterval(timer);
      await Promise.all([...inFlight]);
    },
  };
}
