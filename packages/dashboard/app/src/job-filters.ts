/**
 * The jobs view's filters: to and from the URL (deep links), to the API's query, and
 * whether a live event can belong to the list as filtered (all pure).
 */
import type { ListJobsParams } from './api.ts';
import { JOB_STATES, type JobEvent, type JobState } from './types.ts';

/** The filters a user can set. */
export interface JobFilters {
  states: JobState[];
  queue: string;
  task: string;
  /** `datetime-local` values (local time) or ISO strings. */
  createdAfter: string;
  createdBefore: string;
  /** Metadata key → string value. */
  metadata: [string, string][];
  /** Payload key → raw text (parsed as JSON when it is JSON, else taken as a string). */
  payload: [string, string][];
}

/** No filter at all. */
export const EMPTY_FILTERS: JobFilters = {
  states: [],
  queue: '',
  task: '',
  createdAfter: '',
  createdBefore: '',
  metadata: [],
  payload: [],
};

const isState = (value: string): value is JobState => (JOB_STATES as readonly string[]).includes(value);

/** Reads filters from URL parameters: `state=a,b`, `queue`, `task`, `after`, `before`, `meta.k=v`, `payload.k=v`. */
export function filtersFromParams(params: URLSearchParams): JobFilters {
  const states = (params.get('state') ?? '')
    .split(',')
    .map((value) => value.trim())
    .filter(isState);
  const metadata: [string, string][] = [];
  const payload: [string, string][] = [];
  for (const [key, value] of params) {
    if (key.startsWith('meta.') && key.length > 5) metadata.push([key.slice(5), value]);
    if (key.startsWith('payload.') && key.length > 8) payload.push([key.slice(8), value]);
  }
  return {
    states: [...new Set(states)],
    queue: params.get('queue') ?? '',
    task: params.get('task') ?? '',
    createdAfter: params.get('after') ?? '',
    createdBefore: params.get('before') ?? '',
    metadata,
    payload,
  };
}

/** Writes filters as URL parameters (the inverse of `filtersFromParams`). */
export function filtersToParams(filters: JobFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.states.length > 0) params.set('state', filters.states.join(','));
  if (filters.queue) params.set('queue', filters.queue);
  if (filters.task) params.set('task', filters.task);
  if (filters.createdAfter) params.set('after', filters.createdAfter);
  if (filters.createdBefore) params.set('before', filters.createdBefore);
  for (const [key, value] of filters.metadata) if (key) params.append(`meta.${key}`, value);
  for (const [key, value] of filters.payload) if (key) params.append(`payload.${key}`, value);
  return params;
}

/** A payload filter's value: JSON when it parses (`42`, `true`, `"x"`, `{...}`), else the text as a string. */
export function payloadValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A date filter as the API wants it (ISO), or undefined when empty or not a date. */
export function isoDate(value: string): string | undefined {
  if (!value) return undefined;
  const time = new Date(value).getTime();
  return Number.isFinite(time) ? new Date(time).toISOString() : undefined;
}

/** The API query for filters (without limit and cursor). */
export function filtersToQuery(filters: JobFilters): ListJobsParams {
  const query: ListJobsParams = {};
  if (filters.states.length > 0) query.state = filters.states;
  if (filters.queue) query.queue = filters.queue;
  if (filters.task) query.task = filters.task;
  const after = isoDate(filters.createdAfter);
  const before = isoDate(filters.createdBefore);
  if (after) query.createdAfter = after;
  if (before) query.createdBefore = before;
  const metadata = filters.metadata.filter(([key]) => key !== '');
  if (metadata.length > 0) query.metadata = Object.fromEntries(metadata);
  const payload = filters.payload.filter(([key]) => key !== '');
  if (payload.length > 0)
    query.payload = Object.fromEntries(payload.map(([key, value]) => [key, payloadValue(value)]));
  return query;
}

/** True when the filters look at metadata or payload, which events do not carry. */
export function needsRecordToMatch(filters: JobFilters): boolean {
  return filters.metadata.some(([key]) => key) || filters.payload.some(([key]) => key);
}

/** Can a job described by this event be in the filtered list? (state, queue, task, created time). */
export function eventMatches(filters: JobFilters, event: JobEvent): boolean {
  if (filters.states.length > 0 && !filters.states.includes(event.state)) return false;
  if (filters.queue && event.queue !== filters.queue) return false;
  if (filters.task && event.task !== filters.task) return false;
  const created = new Date(event.createdAt).getTime();
  const after = isoDate(filters.createdAfter);
  const before = isoDate(filters.createdBefore);
  if (after && created < new Date(after).getTime()) return false;
  if (before && created >= new Date(before).getTime()) return false;
  return true;
}

/** True when no filter is set (a bulk action then needs `all: true`, which the UI never sends). */
export function isEmptyFilter(filters: JobFilters): boolean {
  return Object.keys(filtersToQuery(filters)).length === 0;
}
