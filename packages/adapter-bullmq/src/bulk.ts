/**
 * `jobs.bulk`: one script call per page of ids (`lua/bulk.ts`), re-checking each job's state
 * in the same script that changes it.
 */
import type { BulkAction, BulkOutcome, JobState } from '@switchyard/core';
import type { AdapterContext } from './context.js';

/** Applies `action` to the jobs of `ids` still in one of `onlyIn`; see `JobStoreOperations.bulk`. */
export async function bulkJobs(
  context: AdapterContext,
  ids: string[],
  action: BulkAction,
  onlyIn: JobState[],
): Promise<BulkOutcome> {
  if (ids.length === 0 || onlyIn.length === 0) return { changed: [], requested: [] };
  const queues = await context.knownQueues();
  if (queues.length === 0) return { changed: [], requested: [] };
  const [changed, requested] = (await context.scripts.call('syBulkJobs', [
    context.prefix,
    action,
    context.clock.now(),
    onlyIn.join(','),
    queues.length,
    ...queues,
    ...ids,
  ])) as [string[], string[]];
  return { changed, requested };
}
