/**
 * Live updates of the jobs list from the event stream (pure): a known job changes state
 * in place; a job that newly fits the filters appears where it sorts (newest first) when
 * the first page is shown. Rows that no longer fit stay, marked stale, until the next reload,
 * so nothing jumps away under the pointer.
 */
import { eventMatches, type JobFilters, needsRecordToMatch } from './job-filters.ts';
import type { Job, JobEvent } from './types.ts';

/** A row of the list: the job as last known, and whether it still fits the filters. */
export interface JobRow {
  job: Job;
  /** Changed by a live event since the page loaded (highlighted briefly). */
  changedAt?: number;
  /** No longer fits the filters (e.g. it left the filtered state). */
  stale?: boolean;
}

/** What applying one event did. */
export interface LiveUpdate {
  rows: JobRow[];
  /** A job that may belong to the list but needs its record to judge (metadata/payload filters). */
  fetch?: string;
}

/** Most rows live inserts may grow a page to; the oldest live rows fall off past it. */
export const MAX_LIVE_ROWS = 500;

/** Newest first: by creation time, then by id (ids are time ordered). */
export function sortsBefore(a: Pick<Job, 'createdAt' | 'id'>, b: Pick<Job, 'createdAt' | 'id'>): boolean {
  const at = Date.parse(a.createdAt);
  const bt = Date.parse(b.createdAt);
  return at !== bt ? at > bt : a.id > b.id;
}

function jobFromEvent(event: JobEvent): Job {
  return {
    id: event.jobId,
    task: event.task,
    queue: event.queue,
    state: event.state,
    attempt: event.attempt,
    createdAt: event.createdAt,
    runAt: event.runAt ?? event.createdAt,
    priority: 0,
    maxAttempts: null,
    payload: undefined,
    metadata: {},
    ...(event.error ? { error: event.error } : {}),
    ...(event.progress !== undefined ? { progress: event.progress } : {}),
  };
}

/** Where `job` goes in `rows` (newest first), or -1 when it sorts after a full page's last row. */
function insertionIndex(rows: JobRow[], job: Job, pageFull: boolean): number {
  const index = rows.findIndex((row) => sortsBefore(job, row.job));
  if (index !== -1) return index;
  return pageFull ? -1 : rows.length;
}

/** Puts a job into the rows at its place (or replaces it), keeping at most `MAX_LIVE_ROWS`. */
export function insertJob(rows: JobRow[], job: Job, pageFull: boolean, now: number): JobRow[] {
  const existing = rows.findIndex((row) => row.job.id === job.id);
  if (existing !== -1) {
    const next = rows.slice();
    next[existing] = { job, changedAt: now };
    return next;
  }
  const index = insertionIndex(rows, job, pageFull);
  if (index === -1) return rows;
  const next = rows.slice();
  next.splice(index, 0, { job, changedAt: now });
  return next.length > MAX_LIVE_ROWS ? next.slice(0, MAX_LIVE_ROWS) : next;
}

/**
 * Applies one event. `firstPage`: only the first page takes new rows (later pages are a
 * fixed window reached through a cursor). `pageFull`: the page reached its size, so a job
 * sorting after its last row belongs to the next page.
 */
export function applyJobEvent(
  rows: JobRow[],
  event: JobEvent,
  context: { filters: JobFilters; firstPage: boolean; pageFull: boolean; now: number },
): LiveUpdate {
  const index = rows.findIndex((row) => row.job.id === event.jobId);
  if (index !== -1) {
    const row = rows[index]!;
    const job: Job = { ...row.job, state: event.state, attempt: event.attempt };
    if (event.type === 'progress') job.progress = event.progress;
    if (event.error) job.error = { ...job.error, ...event.error };
    if (event.type === 'started') job.startedAt = event.at;
    if (event.type === 'completed' || event.type === 'failed' || event.type === 'cancelled')
      job.finishedAt = event.at;
    if (event.type === 'enqueued' && event.retry) {
      delete job.error;
      delete job.finishedAt;
    }
    const next = rows.slice();
    const stillFits = eventMatches(context.filters, event);
    next[index] = { job, changedAt: context.now, ...(stillFits ? {} : { stale: true }) };
    return { rows: next };
  }
  if (!context.firstPage || event.type === 'progress' || !eventMatches(context.filters, event))
    return { rows };
  if (needsRecordToMatch(context.filters)) return { rows, fetch: event.jobId };
  return { rows: insertJob(rows, jobFromEvent(event), context.pageFull, context.now) };
}

/**
 * Applies the events that arrived while a page was loading to that page, in order. The
 * page was read at some point during the load, so an event may be older or newer than it;
 * replaying all of them in order ends at the newest state either way, and a job enqueued
 * during the load is not lost when the page replaces the rows. `fetch`: the events whose job
 * needs its record to judge (as `LiveUpdate.fetch`).
 */
export function replayJobEvents(
  rows: JobRow[],
  events: JobEvent[],
  context: { filters: JobFilters; firstPage: boolean; pageFull: boolean; now: number },
): { rows: JobRow[]; fetch: JobEvent[] } {
  const fetch: JobEvent[] = [];
  let current = rows;
  for (const event of events) {
    const update = applyJobEvent(current, event, context);
    current = update.rows;
    if (update.fetch) fetch.push(event);
  }
  return { rows: current, fetch };
}
