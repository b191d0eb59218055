/**
 * The rules of `jobs.list` queries, applied once in core for every adapter:
 * validation (a typed error for unknown keys, wrong types and out-of-range page
 * sizes, never a silent clamp) and the pure predicate adapters that scan use.
 */
import { InvalidOptionsError } from './errors.js';
import {
  type DateInput,
  JOB_STATES,
  type JobFilter,
  type JobRecord,
  type JobState,
  type ListJobsQuery,
  type NormalizedListQuery,
} from './job.js';
import { assertJson } from './json.js';
import { assertValidName } from './task.js';

/** Default page size of `jobs.list`. */
export const DEFAULT_PAGE_SIZE = 50;
/** Largest page `jobs.list` returns. */
export const MAX_PAGE_SIZE = 1000;
/** Most stored jobs an adapter examines for one filtered page before it returns a continuation cursor. */
export const LIST_SCAN_LIMIT = 5000;
/** Most keys in a `metadata` or `payload` filter. */
const MAX_FILTER_KEYS = 20;
const MAX_CURSOR_LENGTH = 1024;

/** The keys of a `JobFilter`, which `jobs.list` and `jobs.bulk` both accept. */
export const JOB_FILTER_KEYS: ReadonlySet<string> = new Set<string>([
  'state',
  'task',
  'queue',
  'createdAfter',
  'createdBefore',
  'finishedBefore',
  'metadata',
  'payload',
]);

const QUERY_KEYS = new Set<string>([...JOB_FILTER_KEYS, 'limit', 'cursor']);

/** Checks a `jobs.list` query and applies defaults. Throws `InvalidOptionsError` naming the problem. */
export function normalizeListQuery(query: ListJobsQuery | undefined): NormalizedListQuery {
  const input = query ?? {};
  const filter = normalizeJobFilter(input, 'jobs.list', QUERY_KEYS);
  const normalized: NormalizedListQuery = {
    ...filter,
    limit: checkPageSize(input.limit),
    scanLimit: LIST_SCAN_LIMIT,
  };
  if (input.cursor !== undefined) {
    if (
      typeof input.cursor !== 'string' ||
      input.cursor.length === 0 ||
      input.cursor.length > MAX_CURSOR_LENGTH
    ) {
      throw new InvalidOptionsError(
        `jobs.list cursor must be a non-empty string from a previous page, got ${JSON.stringify(input.cursor)}`,
      );
    }
    normalized.cursor = input.cursor;
  }
  return normalized;
}

/** A page size: default 50, an integer 1..1000 otherwise (out of range is an error, not clamped). */
export function checkPageSize(limit: unknown): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new InvalidOptionsError(
      `limit must be an integer 1..${MAX_PAGE_SIZE}, got ${JSON.stringify(limit)}`,
    );
  }
  return limit;
}

/**
 * Checks the filter part of a query (`state`, `task`, `queue`, dates, `metadata`, `payload`).
 * `allowedKeys` names every key the caller accepts; anything else is an error.
 */
export function normalizeJobFilter(
  input: unknown,
  what: string,
  allowedKeys: ReadonlySet<string>,
): JobFilter {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidOptionsError(`${what} takes an object of filters`);
  }
  for (const key of Object.keys(input)) {
    if (!allowedKeys.has(key)) {
      throw new InvalidOptionsError(
        `${what}: unknown filter "${key}" (known: ${[...allowedKeys].join(', ')})`,
      );
    }
  }
  const query = input as ListJobsQuery;
  const filter: JobFilter = {};
  if (query.state !== undefined) filter.states = checkStates(query.state, what);
  if (query.task !== undefined) {
    assertValidName(query.task, `${what}: task`);
    filter.task = query.task;
  }
  if (query.queue !== undefined) {
    assertValidName(query.queue, `${what}: queue`);
    filter.queue = query.queue;
  }
  if (query.createdAfter !== undefined)
    filter.createdAfter = toDate(query.createdAfter, `${what}: createdAfter`);
  if (query.createdBefore !== undefined)
    filter.createdBefore = toDate(query.createdBefore, `${what}: createdBefore`);
  if (query.finishedBefore !== undefined)
    filter.finishedBefore = toDate(query.finishedBefore, `${what}: finishedBefore`);
  if (
    filter.createdAfter &&
    filter.createdBefore &&
    filter.createdAfter.getTime() >= filter.createdBefore.getTime()
  ) {
    throw new InvalidOptionsError(`${what}: createdAfter must be before createdBefore`);
  }
  if (query.metadata !== undefined) filter.metadata = checkMetadataFilter(query.metadata, what);
  if (query.payload !== undefined) filter.payload = checkPayloadFilter(query.payload, what);
  return filter;
}

/** True when the filter has no condition at all (it would match every job). */
export function isEmptyFilter(filter: JobFilter): boolean {
  return Object.keys(filter).length === 0;
}

/** Turns a `Date`, ISO 8601 string or epoch ms into a valid `Date`. */
export function toDate(value: DateInput | unknown, what: string): Date {
  const date =
    value instanceof Date
      ? new Date(value.getTime())
      : typeof value === 'string' && value.trim() !== '' && Number.isNaN(Number(value))
        ? new Date(value)
        : typeof value === 'number' && Number.isFinite(value)
          ? new Date(value)
          : undefined;
  if (date === undefined || Number.isNaN(date.getTime())) {
    throw new InvalidOptionsError(
      `${what} must be a Date, an ISO 8601 string or epoch milliseconds, got ${JSON.stringify(value)}`,
    );
  }
  return date;
}

function checkStates(state: unknown, what: string): JobState[] {
  const list = Array.isArray(state) ? state : [state];
  if (list.length === 0) throw new InvalidOptionsError(`${what}: state must name at least one state`);
  for (const item of list) {
    if (!JOB_STATES.includes(item as JobState)) {
      throw new InvalidOptionsError(
        `${what}: unknown state ${JSON.stringify(item)} (known: ${JOB_STATES.join(', ')})`,
      );
    }
  }
  return [...new Set(list as JobState[])];
}

function checkPlainObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidOptionsError(`${what} must be an object`);
  }
  const keys = Object.keys(value);
  if (keys.length === 0) throw new InvalidOptionsError(`${what} must name at least one key`);
  if (keys.length > MAX_FILTER_KEYS) {
    throw new InvalidOptionsError(`${what} may name at most ${MAX_FILTER_KEYS} keys`);
  }
  for (const key of keys) {
    if (key.length === 0 || key.length > 128) {
      throw new InvalidOptionsError(`${what}: keys must be 1..128 characters`);
    }
  }
  return value as Record<string, unknown>;
}

function checkMetadataFilter(value: unknown, what: string): Record<string, string> {
  const object = checkPlainObject(value, `${what}: metadata`);
  for (const [key, item] of Object.entries(object)) {
    if (typeof item !== 'string') {
      throw new InvalidOptionsError(`${what}: metadata.${key} must be a string`);
    }
  }
  return { ...(object as Record<string, string>) };
}

function checkPayloadFilter(value: unknown, what: string): Record<string, unknown> {
  const object = checkPlainObject(value, `${what}: payload`);
  for (const [key, item] of Object.entries(object)) {
    try {
      if (item === undefined) throw new TypeError('undefined');
      assertJson(item, `${what}: payload.${key}`);
    } catch (error) {
      throw new InvalidOptionsError(`${what}: payload.${key} must be a JSON value`, { cause: error });
    }
  }
  return structuredClone(object);
}

/** The fields of a job the filter looks at. */
export type FilterableJob = Pick<
  JobRecord,
  'state' | 'task' | 'queue' | 'createdAt' | 'finishedAt' | 'metadata' | 'payload'
>;

/** True when `job` matches every condition of `filter` (for adapters that scan). */
export function jobMatchesFilter(job: FilterableJob, filter: JobFilter): boolean {
  if (filter.states !== undefined && !filter.states.includes(job.state)) return false;
  if (filter.task !== undefined && job.task !== filter.task) return false;
  if (filter.queue !== undefined && job.queue !== filter.queue) return false;
  const created = job.createdAt.getTime();
  if (filter.createdAfter !== undefined && created < filter.createdAfter.getTime()) return false;
  if (filter.createdBefore !== undefined && created >= filter.createdBefore.getTime()) return false;
  if (filter.finishedBefore !== undefined) {
    if (job.finishedAt === undefined || job.finishedAt.getTime() >= filter.finishedBefore.getTime())
      return false;
  }
  if (filter.metadata !== undefined) {
    for (const [key, value] of Object.entries(filter.metadata)) {
      if (job.metadata[key] !== value) return false;
    }
  }
  if (filter.payload !== undefined) {
    const payload = job.payload;
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return false;
    for (const [key, value] of Object.entries(filter.payload)) {
      if (!Object.hasOwn(payload, key)) return false;
      if (!jsonEqual((payload as Record<string, unknown>)[key], value)) return false;
    }
  }
  return true;
}

/** Deep equality of two JSON values (object key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((item, index) => jsonEqual(item, other[index]));
  }
  const aKeys = Object.keys(a);
  const bObject = b as Record<string, unknown>;
  if (aKeys.length !== Object.keys(bObject).length) return false;
  return aKeys.every(
    (key) => Object.hasOwn(bObject, key) && jsonEqual((a as Record<string, unknown>)[key], bObject[key]),
  );
}
