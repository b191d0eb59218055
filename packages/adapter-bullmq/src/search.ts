/**
 * `jobs.list`: one search script call per page (see `lua/search.ts` for how candidates are
 * walked), then core's `jobMatchesFilter` on every record the script matched, so the script's
 * cheap checks only narrow the page and never decide a match on their own.
 */
import {
  InvalidOptionsError,
  type JobFilter,
  type JobPage,
  type JobRecord,
  jobMatchesFilter,
  type NormalizedListQuery,
} from '@switchyard/core';
import { decodeRecord, toRaw } from './codec.js';
import type { AdapterContext } from './context.js';

/** Most ids the search reads from the asked states' sets to sort them; above it, the id index is walked. */
export const SETS_SORT_LIMIT = 10_000;

/** Encodes the cursor (the last id examined) so callers treat it as opaque. */
export function encodeCursor(lastId: string): string {
  return Buffer.from(lastId, 'utf8').toString('base64url');
}

/** Decodes a cursor, refusing anything this adapter did not hand out. */
export function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (id.length === 0 || encodeCursor(id) !== cursor)
    throw new InvalidOptionsError(`invalid cursor "${cursor}"`);
  return id;
}

/**
 * Substrings that the stored `data` (the envelope, written with `JSON.stringify`) must contain
 * for a job to match the metadata and payload filters (pure). A metadata entry or a payload
 * entry with a scalar value appears exactly as `"key":value`; for an object or array value
 * only `"key":` is required (its key order may differ), and core's check decides.
 */
export function filterNeedles(filter: Pick<JobFilter, 'metadata' | 'payload'>): string[] {
  const needles: string[] = [];
  for (const [key, value] of Object.entries(filter.metadata ?? {})) {
    needles.push(`${JSON.stringify(key)}:${JSON.stringify(value)}`);
  }
  for (const [key, value] of Object.entries(filter.payload ?? {})) {
    const scalar = value === null || typeof value !== 'object';
    needles.push(scalar ? `${JSON.stringify(key)}:${JSON.stringify(value)}` : `${JSON.stringify(key)}:`);
  }
  return needles;
}

/** The search script's arguments for one page (pure). */
export function searchArguments(
  prefix: string,
  query: NormalizedListQuery,
  queues: string[],
  after: string | undefined,
): Array<string | number> {
  const time = (date: Date | undefined) => (date === undefined ? '' : date.getTime());
  const needles = filterNeedles(query);
  return [
    prefix,
    after ?? '',
    query.limit,
    query.scanLimit,
    (query.states ?? []).join(','),
    query.task ?? '',
    time(query.createdAfter),
    time(query.createdBefore),
    time(query.finishedBefore),
    SETS_SORT_LIMIT,
    needles.length,
    ...needles,
    ...queues,
  ];
}

/** What the search script returns. */
type SearchReply = [
  lastExamined: string,
  more: number,
  source: string,
  examined: number,
  matches: Array<[queue: string, id: string, place: string, delayedScore: string, fields: string[]]>,
];

/** Lists jobs matching `query`, newest first; see `JobStoreOperations.list`. */
export async function searchJobs(context: AdapterContext, query: NormalizedListQuery): Promise<JobPage> {
  const after = query.cursor !== undefined ? decodeCursor(query.cursor) : undefined;
  const queues = query.queue !== undefined ? [query.queue] : await context.knownQueues();
  if (queues.length === 0) return { jobs: [] };
  const reply = (await context.scripts.call(
    'sySearchJobs',
    searchArguments(context.prefix, query, queues, after),
  )) as SearchReply;
  const [lastExamined, more, , , matches] = reply;
  const jobs: JobRecord[] = [];
  const decode = context.decodeContext();
  for (const [queue, id, place, score, fields] of matches) {
    const record = decodeRecord(toRaw(queue, id, place, score, fields), decode);
    if (record && jobMatchesFilter(record, query)) jobs.push(record);
  }
  return more === 1 && lastExamined !== '' ? { jobs, nextCursor: encodeCursor(lastExamined) } : { jobs };
}
