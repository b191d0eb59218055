/**
 * `adapter.jobs.list`: search, newest first, with core's validated filter and scan budget.
 * The store walks the smallest id index the filter allows (a state, the queue or the task)
 * and checks, without decoding records, the fields it keeps beside them (state, queue, task,
 * creation and finish times) and substrings the metadata and payload conditions imply in the
 * encoded record (see `recordSubstrings`). Every candidate is then decoded and checked here
 * with core's `jobMatchesFilter`, so the store's checks only have to be necessary conditions.
 * At most `scanLimit` ids are examined for one page; when the budget runs out first the page
 * comes back short, with a cursor after the last id examined.
 */
import { type JobPage, type JobRecord, jobMatchesFilter, type NormalizedListQuery } from '@switchyard/core';
import { recordSubstrings, toJobRecord } from './codec.js';
import type { AdapterRuntime } from './runtime.js';
import type { JobScan } from './store/operations-types.js';

/** One page of jobs matching `query`. */
export async function searchJobs(runtime: AdapterRuntime, query: NormalizedListQuery): Promise<JobPage> {
  const { records } = runtime;
  const store = runtime.options.store;
  // One more than the page, to know whether a next page exists.
  const wanted = query.limit + 1;
  const filter = storeFilter(query);
  const found: JobRecord[] = [];
  let before = query.cursor;
  let budget = query.scanLimit;
  // Usually one call: the store stops once it has enough candidates. Another follows only when
  // some candidates fail the exact check (a substring that matched elsewhere in the record).
  while (budget > 0) {
    const scan: JobScan = {
      ...filter,
      examine: budget,
      want: wanted - found.length,
      ...(before === undefined ? {} : { before }),
    };
    const result = await records.call('search jobs', () => store.scanJobs(scan));
    budget -= result.examined;
    for (const stored of result.jobs) {
      const job = toJobRecord(records.decode(stored).record);
      if (!jobMatchesFilter(job, query)) continue;
      found.push(job);
      if (found.length === wanted) {
        const page = found.slice(0, query.limit);
        return { jobs: page, nextCursor: page[page.length - 1]!.id };
      }
    }
    if (result.exhausted || result.last === undefined) return { jobs: found };
    before = result.last;
  }
  return before === undefined ? { jobs: found } : { jobs: found, nextCursor: before };
}

/** The part of the filter the store checks: its own fields, and substrings of the encoded record. */
function storeFilter(query: NormalizedListQuery): Omit<JobScan, 'examine' | 'want' | 'before'> {
  const contains = recordSubstrings(query);
  return {
    ...(query.states === undefined ? {} : { states: query.states }),
    ...(query.queue === undefined ? {} : { queue: query.queue }),
    ...(query.task === undefined ? {} : { task: query.task }),
    ...(query.finishedBefore === undefined ? {} : { finishedBefore: query.finishedBefore.getTime() }),
    ...(query.createdAfter === undefined ? {} : { createdAfter: query.createdAfter.getTime() }),
    ...(query.createdBefore === undefined ? {} : { createdBefore: query.createdBefore.getTime() }),
    ...(contains.length === 0 ? {} : { contains }),
  };
}
