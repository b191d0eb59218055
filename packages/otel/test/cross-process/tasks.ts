/**
 * The tasks of the cross-process tests, shared by the producer (the test) and the child
 * processes (which load this file with Node directly, so it stays erasable TypeScript).
 */
import { defineTask } from '@switchyard/core';
import { z } from 'zod';

const numbered = z.object({ n: z.number().int() });

/** Completes on its first attempt. */
export const echoTask = defineTask({
  name: 'obs.echo',
  queue: 'obs-work',
  schema: numbered,
  retry: { attempts: 1 },
});

/** Fails attempts 1 and 2, completes on attempt 3. */
export const flakyTask = defineTask({
  name: 'obs.flaky',
  queue: 'obs-work',
  schema: numbered,
  retry: { attempts: 3, backoff: { type: 'fixed', delay: 50 } },
});

/** On a queue no worker takes: it stays pending (or scheduled), for the queue gauges. */
export const idleTask = defineTask({ name: 'obs.idle', queue: 'obs-idle', schema: numbered });

/** On a queue the test pauses. */
export const pausedTask = defineTask({ name: 'obs.paused', queue: 'obs-paused', schema: numbered });

export const ALL_TASKS = [echoTask, flakyTask, idleTask, pausedTask];
