import type { JobPage, JobRecord, JobStore, ListJobsQuery } from '@switchyard/core';
import type { MemoryBackend } from './backend.js';
import { displayPayload, type JobRow, toJobRecord } from './job-row.js';
import { decodeCursor, encodeCursor, pageSize } from './list-cursor.js';

/** `adapter.jobs`: queries and management over the backend's rows. */
export function createJobStore(backend: MemoryBackend): JobStore {
  const copyOut = (row: JobRow): JobRecord => toJobRecord(row, displayPayload(row, backend.copier));
  return {
    async get(id) {
      const row = backend.table.get(id);
      return row === undefined ? null : copyOut(row);
    },

    async list(query: ListJobsQuery): Promise<JobPage> {
      const limit = pageSize(query.limit);
      const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      const jobs: JobRecord[] = [];
      let more = false;
      // Newest first; filtered queries scan, but stop as soon as one extra match proves a next page.
      for (const row of backend.table.newestFirst(before)) {
        if (query.state !== undefined && row.state !== query.state) continue;
        if (query.task !== undefined && row.task !== query.task) continue;
        if (query.queue !== undefined && row.queue !== query.queue) continue;
        if (jobs.length === limit) {
          more = true;
          break;
        }
        jobs.push(copyOut(row));
      }
      const last = jobs[jobs.length - 1];
      return more && last !== undefined ? { jobs, nextCursor: encodeCursor(last.id) } : { jobs };
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
