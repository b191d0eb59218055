/** The one task every chaos run enqueues: sleeps a little, returns who ran it. */
import { defineTask } from '@switchyard/core';

/** The queue of the chaos runs. */
export const CHAOS_QUEUE = 'chaos';

/** What a chaos job returns: which process and which attempt ran it. */
export interface ChaosResult {
  pid: number;
  attempt: number;
}

/** A job of a chaos run; `n` numbers the jobs of one producer. */
export const chaosTask = defineTask({
  name: 'chaos.work',
  queue: CHAOS_QUEUE,
  // Kills consume attempts: a job must survive as many as the run can throw at it.
  retry: { attempts: 'unlimited', backoff: { type: 'fixed', delay: 50 } },
  timeout: '60s',
});
