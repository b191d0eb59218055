/** Fixtures for an adapter's own tests, beside the shared suite. */
import { type NewJob, newJobId } from '@switchyard/core';

/**
 * A `NewJob` as core would build it, ready at `now`: task `test-task`, queue
 * `default`, priority 5, 3 attempts. Override any field.
 */
export function testJob(overrides: Partial<NewJob> = {}, now = Date.now()): NewJob {
  return {
    id: newJobId(now),
    task: 'test-task',
    queue: 'default',
    payload: { n: 1 },
    priority: 5,
    createdAt: new Date(now),
    runAt: new Date(now),
    maxAttempts: 3,
    metadata: {},
    ...overrides,
  };
}
