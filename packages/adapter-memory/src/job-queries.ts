import {
  type BulkAction,
  type BulkOutcome,
  type JobPage,
  type JobRecord,
  type JobState,
  type JobStore,
  type JobStoreOperations,
  jobMatchesFilter,
  type NormalizedListQuery,
} from '@switchyard/core';
import type { MemoryBackend } from './backend.js';
import { displayPayload, type JobRow, toJobRecord } from './job-row.js';
import { decodeCursor, encodeCursor } from './list-cursor.js';

/** `adapter.jobs`: queries, search and management over the backend's rows. */
export function createJobStore(backend: MemoryBackend): Omit<JobStore, 'list'> & JobStoreOperations {
  const copyOut = (row: JobRow): JobRecord => toJobRecord(row, displayPayload(row, backend.copier));
  return {
    async get(id) {
      const row = backend.table.get(id);
      return row === undefined ? null : copyOut(row);
    },

    async list(query: NormalizedListQuery): Promise<JobPage> {
      const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      const jobs: JobRecord[] = [];
      let examined = 0;
      let lastExamined: string | undefined;
      // Newest first; a filtered page scans at most `scanLimit` rows, then hands back a cursor.
      for (const row of backend.table.newestFirst(before)) {
        if (jobs.length === query.limit) return { jobs, nextCursor: encodeCursor(jobs[jobs.length - 1]!.id) };
        if (examined === query.scanLimit) return { jobs, nextCursor: encodeCursor(lastExamined!) };
        examined++;
        lastExamined = row.id;
        if (rowMatches(row, query, backend)) jobs.push(copyOut(row));
      }
      return { jobs };
    },

    async bulk(ids: string[], action: BulkAction, onlyIn: JobState[]): Promise<BulkOutcome> {
      const outcome: BulkOutcome = { changed: [], requested: [] };
      for (const id of ids) {
        const row = backend.table.get(id);
        if (row === undefined || !onlyIn.includes(row.state)) continue;
        if (action === 'retry') {
          if (backend.retry(id)) outcome.changed.push(id);
        } else if (action === 'cancel') {
          const result = backend.cancel(id);
          if (result === 'cancelled') outcome.changed.push(id);
          else if (result === 'requested') outcome.requested.push(id);
        } else if (backend.remove(id)) {
          outcome.changed.push(id);
        }
      }
      return outcome;
    },

    async counts(query) {
      return backend.table.counts(query?.queue);
    },

    async cancel(id) {
      return backend.cancel(id);
    },

    async retry(id) {
      return backend.retry(id);
    },

    async remove(id) {
      return backend.remove(id);
    },
  };
}

/** The cheap columns first; the payload is only read when a payload filter asks for it. */
function rowMatches(row: JobRow, query: NormalizedListQuery, backend: MemoryBackend): boolean {
  if (query.states !== undefined && !query.states.includes(row.state)) return false;
  if (query.task !== undefined && row.task !== query.task) return false;
  if (query.queue !== undefined && row.queue !== query.queue) return false;
  const finishedAt = row.finishedAt;
  return jobMatchesFilter(
    {
      state: row.state,
      task: row.task,
      queue: row.queue,
      createdAt: new Date(row.createdAt),
      ...(finishedAt !== undefined ? { finishedAt: new Date(finishedAt) } : {}),
      metadata: row.metadata,
      payload: query.payload === undefined ? undefined : displayPayload(row, backend.copier),
    },
    query,
  );
}
