/**
 * `adapter.jobs.bulk`: an action on a page of ids, applied to each job only while it is still
 * in one of the states core allows. Remove is one store call that re-checks the state and
 * deletes atomically. Retry and cancel rewrite records (the same transitions as `jobs.retry`
 * and `jobs.cancel`): the page is read in one call and written back in one compare-and-set
 * call, so a job that changed in between is never overwritten: it is read again and judged
 * anew (its new state may put it out of scope). Retried jobs then get their doorbells.
 */
import type { BulkAction, BulkOutcome, JobState } from '@switchyard/core';
import type { StoredRecord } from './codec.js';
import { confirmRung, ringDoorbells, unrungMarks } from './enqueue.js';
import type { LoadedRecord } from './records.js';
import type { AdapterRuntime } from './runtime.js';
import { cancelled, manuallyRetried } from './transitions.js';

/** Read-and-write rounds for jobs that keep changing under the action (then they are skipped). */
const MAX_ROUNDS = 5;

/** What the action does to one job still in scope: a new record, an already requested cancel, or nothing. */
type Verdict = { write: StoredRecord; requested: boolean } | 'already-requested' | null;

/** The action on one loaded job (pure): `null` when it does not apply. */
export function bulkVerdict(action: 'retry' | 'cancel', loaded: LoadedRecord, now: Date): Verdict {
  const { record } = loaded;
  if (action === 'retry') {
    const retryable = !loaded.malformed && (record.state === 'failed' || record.state === 'cancelled');
    return retryable ? { write: manuallyRetried(record, now), requested: false } : null;
  }
  if (record.state === 'running') {
    return record.cancelRequested
      ? 'already-requested'
      : { write: { ...record, cancelRequested: true }, requested: true };
  }
  const waiting = record.state === 'scheduled' || record.state === 'pending' || record.state === 'retrying';
  return waiting ? { write: cancelled(record, now), requested: false } : null;
}

/** Applies `action` to the jobs of `ids` still in one of `onlyIn`. */
export async function bulkAction(
  runtime: AdapterRuntime,
  ids: string[],
  action: BulkAction,
  onlyIn: JobState[],
): Promise<BulkOutcome> {
  const { records } = runtime;
  const unique = [...new Set(ids)];
  if (unique.length === 0 || onlyIn.length === 0) return { changed: [], requested: [] };
  if (action === 'remove') {
    const removed = await records.call('remove jobs', () =>
      runtime.options.store.deleteJobsIn(unique, onlyIn),
    );
    return { changed: removed, requested: [] };
  }
  const now = new Date(runtime.clock.now());
  const inScope = new Set<string>(onlyIn);
  const changed: Array<{ record: StoredRecord; previous: StoredRecord; version: number }> = [];
  const requested: string[] = [];
  let contended = unique;
  for (let round = 0; round < MAX_ROUNDS && contended.length > 0; round++) {
    const loaded = await records.loadMany(contended);
    const writes: Array<{ loaded: LoadedRecord; write: StoredRecord; requested: boolean }> = [];
    for (const entry of loaded) {
      if (!entry || !inScope.has(entry.record.state)) continue;
      const verdict = bulkVerdict(action, entry, now);
      if (verdict === 'already-requested') requested.push(entry.record.id);
      else if (verdict) writes.push({ loaded: entry, ...verdict });
    }
    // Writes issued in one turn go to the store as one compare-and-set call.
    const marks = action === 'retry' ? unrungMarks(runtime, now.getTime()) : {};
    const versions = await Promise.all(
      writes.map(({ loaded, write }) => records.write(loaded.version, write, marks)),
    );
    contended = [];
    writes.forEach(({ loaded, write, requested: isRequest }, index) => {
      const version = versions[index];
      if (version === null || version === undefined) contended.push(write.id);
      else if (isRequest) requested.push(write.id);
      else changed.push({ record: write, previous: loaded.record, version });
    });
  }
  if (action === 'retry') await ringRetried(runtime, changed);
  return { changed: changed.map(({ record }) => record.id), requested };
}

/**
 * Sends the retried jobs' doorbells. When SQS refuses, the jobs are put back as they were (where
 * nothing else changed them meanwhile), so none is left pending without a message, and the error
 * surfaces.
 */
async function ringRetried(
  runtime: AdapterRuntime,
  retried: Array<{ record: StoredRecord; previous: StoredRecord; version: number }>,
): Promise<void> {
  if (retried.length === 0) return;
  try {
    await ringDoorbells(
      runtime,
      retried.map(({ record }) => record),
      runtime.clock.now(),
    );
  } catch (error) {
    const restored = await Promise.allSettled(
      retried.map(({ previous, version }) => runtime.records.write(version, previous)),
    );
    const putBack = restored.filter((outcome) => outcome.status === 'fulfilled' && outcome.value !== null);
    runtime.logger.error(
      { err: error, restored: putBack.length, of: retried.length },
      'sqs: could not send the doorbells of retried jobs; put them back as they were',
    );
    throw error;
  }
  await confirmRung(
    runtime,
    retried.map(({ record }) => record.id),
  );
}
