/**
 * The suite's test tasks. They are producer-only definitions (no handler): each test
 * attaches the handler it needs with `worker.handle`, so one set of definitions serves
 * every test and the crash child process. Tests needing a task-level policy that cannot
 * be given per job (a backoff function, `onFailed`) define their own task inline.
 */
import { defineTask } from '@switchyard/core';
import { z } from 'zod';

/** Payload of most test tasks: a number and an optional label to tell jobs apart. */
export const numbered = z.object({ n: z.number().int(), label: z.string().optional() });

/** General-purpose task on queue `default`; 3 attempts, 100 ms fixed backoff. */
export const echoTask = defineTask({
  name: 'conformance.echo',
  schema: numbered,
  retry: { attempts: 3, backoff: { type: 'fixed', delay: 100 } },
  timeout: '30s',
});

/** A second task on queue `other`, with a task-level priority of 2. */
export const otherQueueTask = defineTask({
  name: 'conformance.other',
  queue: 'other',
  priority: 2,
  schema: numbered,
  retry: { attempts: 1 },
  timeout: '30s',
});

/** A task on queue `default` whose default priority (8) differs from `echoTask`'s (5). */
export const lowPriorityTask = defineTask({
  name: 'conformance.low-priority',
  priority: 8,
  schema: numbered,
  retry: { attempts: 1 },
  timeout: '30s',
});

/** A strict schema, for validation tests. */
export const signupTask = defineTask({
  name: 'conformance.signup',
  schema: z.object({ email: z.email(), count: z.number().int().min(0) }),
  retry: { attempts: 1 },
});

/** Accepts any value in `value`, so only core's JSON check can refuse a payload. */
export const anythingTask = defineTask({
  name: 'conformance.anything',
  schema: z.object({ value: z.unknown() }),
  retry: { attempts: 1 },
});

/** The job the crash child process takes and never finishes. */
export const crashMeTask = defineTask({
  name: 'conformance.crash-me',
  queue: 'crash',
  schema: numbered,
  retry: { attempts: 3, backoff: { type: 'fixed', delay: 100 } },
  timeout: '30s',
});

/** The jobs a frozen (SIGSTOP) worker process holds past its lease, in the fencing group. */
export const zombieTask = defineTask({
  name: 'conformance.zombie',
  queue: 'zombie',
  schema: numbered,
  retry: { attempts: 3, backoff: { type: 'fixed', delay: 100 } },
  timeout: '60s',
});

/** The operations groups' task: reports progress, fails its first `failTimes` attempts, returns `{ n }`. */
export const opsTask = defineTask({
  name: 'conformance.ops',
  queue: 'ops',
  schema: z.object({
    n: z.number().int(),
    failTimes: z.number().int().min(0).optional(),
    tenant: z.string().optional(),
  }),
  retry: { attempts: 3, backoff: { type: 'fixed', delay: 50 } },
  timeout: '30s',
});

/**
 * The flow groups' task, on queue `flows`: any JSON payload (a step's payload is often the
 * previous step's result); what it does is chosen by the step's `metadata.op` (see flow-handler.ts).
 */
export const flowTask = defineTask({
  name: 'conformance.flow',
  queue: 'flows',
  retry: { attempts: 1 },
  timeout: '30s',
});

/** Like `flowTask`, with 2 attempts (50 ms apart): a step that fails "after its retries". */
export const flowRetryTask = defineTask({
  name: 'conformance.flow-retry',
  queue: 'flows',
  retry: { attempts: 2, backoff: { type: 'fixed', delay: 50 } },
  timeout: '30s',
});

/** Every shared task; each test's yard knows all of them. */
export const ALL_TASKS = [
  echoTask,
  otherQueueTask,
  lowPriorityTask,
  signupTask,
  anythingTask,
  crashMeTask,
  opsTask,
  flowTask,
  flowRetryTask,
  zombieTask,
];
