/**
 * Translating between the Redis store's scripts and the store interface: the arguments of a
 * compare-and-set write, and the replies of a read and of a head claim.
 */
import type { JobState } from '@switchyard/core';
import { CLAIMED_FIELDS } from './redis-scripts.js';
import { type JobWrite, lifecycleOf, type StoredJob, type TicketOutcome } from './types.js';

/** The ARGV of one compare-and-set write (see `WRITE_FIELDS` in the scripts). */
export function writeArgs(expectedVersion: number, job: JobWrite): string[] {
  return [
    job.id,
    String(expectedVersion),
    job.data,
    job.state,
    job.finishedAt?.toString() ?? '',
    String(job.runAt),
    String(job.attempt),
    job.startedAt?.toString() ?? '',
    job.leaseToken ?? '',
    String(job.priority),
    job.movedOff ?? '',
    job.unrungSince?.toString() ?? '',
  ];
}

/** Builds a `StoredJob` from a reply in `READ_FIELDS` order, or null when the hash does not exist. */
export function toStoredJob(id: string, values: Array<string | null>): StoredJob | null {
  const [data, version, state, queue, task, uniqueKey, attempt, startedAt, leaseToken, movedOff] = values;
  // A job always has a version ('' from a script, null from HMGET when it does not exist).
  if (version === null || version === undefined || version === '') return null;
  return {
    id,
    data: data ?? '',
    version: Number(version),
    state: (state ?? 'failed') as JobState,
    queue: queue ?? '',
    task: task ?? '',
    uniqueKey: uniqueKey ?? '',
    ...lifecycleOf(attempt, startedAt, leaseToken, movedOff),
  };
}

/** The jobs of a `CLAIM_HEADS` answer (`CLAIMED_FIELDS` per job). */
export function claimedJobs(flat: Array<string | number>): TicketOutcome['claimed'] {
  const jobs: TicketOutcome['claimed'] = [];
  for (let at = 0; at + CLAIMED_FIELDS <= flat.length; at += CLAIMED_FIELDS) {
    const [id, version, data, previous, queue, task, uniqueKey, attempt, startedAt, leaseToken] = flat
      .slice(at, at + CLAIMED_FIELDS)
      .map(String);
    jobs.push({
      previousState: previous as JobState,
      job: {
        id: id!,
        data: data!,
        version: Number(version),
        state: 'running',
        queue: queue!,
        task: task!,
        uniqueKey: uniqueKey!,
        attempt: Number(attempt),
        startedAt: Number(startedAt),
        leaseToken: leaseToken!,
      },
    });
  }
  return jobs;
}
