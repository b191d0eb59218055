/**
 * `@switchyard/http/client`: a typed client of the API over `fetch`, for Node 22+ and
 * browsers (no Node-only imports). Methods mirror the routes; errors come back as
 * `ApiError` with the problem's status and stable `code`; `events()` follows the SSE
 * stream and resumes with `Last-Event-ID` after a disconnect.
 */
import type { BulkAction, DateInput, ListJobsQuery } from '@switchyard/core';
import { readSse } from './client-sse.js';
import type {
  BulkProgressJson,
  CancelJson,
  ClusterEventJson,
  HealthJson,
  HistoryJson,
  JobJson,
  JobPageJson,
  PrincipalJson,
  QueueJson,
  ScheduleJson,
  StatsSummaryJson,
  TaskJson,
  WorkerJson,
} from './wire.js';

export type * from './wire.js';

/** Options of `createClient`. */
export interface ClientOptions {
  /** The API's URL including its base path, e.g. `https://ops.example.com/api/jobs`. */
  baseUrl: string;
  /** A bearer token; omit when the browser's session cookie authenticates. */
  token?: string;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** `fetch` to use (default the global one). */
  fetch?: typeof fetch;
  /** Cookie policy in browsers, e.g. `'include'` for a session cookie on another origin. Default `'same-origin'`. */
  credentials?: 'omit' | 'same-origin' | 'include';
}

/** An error answer of the API (an RFC 9457 problem). */
export class ApiError extends Error {
  /** HTTP status. */
  readonly status: number;
  /** Stable code, e.g. `DUPLICATE_JOB`, `VALIDATION_FAILED`, `FORBIDDEN`, `RATE_LIMITED`. */
  readonly code: string;
  /** Human-readable explanation. */
  readonly detail: string;
  /** `DUPLICATE_JOB`: the unfinished job holding the unique key. */
  readonly existingJobId?: string;
  /** `INVALID_REQUEST`, `VALIDATION_FAILED`: field by field. */
  readonly issues?: { path: string; message: string }[];
  /** `RATE_LIMITED`: seconds to wait. */
  readonly retryAfter?: number;

  constructor(status: number, body: Record<string, unknown>) {
    const detail = typeof body.detail === 'string' ? body.detail : `HTTP ${status}`;
    super(detail);
    this.name = 'ApiError';
    this.status = status;
    this.code = typeof body.code === 'string' ? body.code : `HTTP_${status}`;
    this.detail = detail;
    if (typeof body.existingJobId === 'string') this.existingJobId = body.existingJobId;
    if (Array.isArray(body.issues)) this.issues = body.issues as { path: string; message: string }[];
    if (typeof body.retryAfter === 'number') this.retryAfter = body.retryAfter;
  }
}

/** Filters of `jobs.list` (dates as `Date`, ISO string or epoch ms): core's query, sent as URL parameters. */
export type ListJobsParams = ListJobsQuery;

/** Options of `jobs.enqueue` (JSON-describable `EnqueueOptions`). */
export interface EnqueueParams {
  delay?: number | string;
  runAt?: DateInput;
  priority?: number;
  uniqueKey?: string;
  queue?: string;
  timeout?: number | string;
  retry?: { attempts?: number | 'unlimited'; backoff?: unknown };
  metadata?: Record<string, string>;
}

/** Options of `jobs.bulk`. */
export interface BulkParams {
  action: BulkAction;
  filter: Omit<ListJobsParams, 'limit' | 'cursor'>;
  all?: boolean;
  batchSize?: number;
}

/** Options of `jobs.clean`. */
export interface CleanParams {
  state: 'completed' | 'failed' | 'cancelled';
  olderThan: number | string;
  queue?: string;
  batchSize?: number;
}

/** Options of `stats.history`. Defaults: bucket 1m, the last hour (or day for 1h). */
export interface HistoryParams {
  from?: DateInput;
  to?: DateInput;
  bucket?: '1m' | '1h';
  queue?: string;
  task?: string;
}

/** Options of `events()`. */
export interface EventsParams {
  queues?: string[];
  tasks?: string[];
  /** Resume after this event id. */
  after?: string;
  /** Stops the stream. */
  signal?: AbortSignal;
  /** Reconnect after a dropped connection, resuming with `Last-Event-ID`. Default true. */
  reconnect?: boolean;
}

const dateParam = (value: DateInput): string => (value instanceof Date ? value.toISOString() : String(value));
const dateJson = (value: DateInput): string | number => (value instanceof Date ? value.toISOString() : value);

function listSearch(params: ListJobsParams): URLSearchParams {
  const search = new URLSearchParams();
  if (params.state !== undefined) search.set('state', ([] as string[]).concat(params.state).join(','));
  if (params.task !== undefined) search.set('task', params.task);
  if (params.queue !== undefined) search.set('queue', params.queue);
  if (params.createdAfter !== undefined) search.set('createdAfter', dateParam(params.createdAfter));
  if (params.createdBefore !== undefined) search.set('createdBefore', dateParam(params.createdBefore));
  if (params.finishedBefore !== undefined) search.set('finishedBefore', dateParam(params.finishedBefore));
  if (params.metadata !== undefined) search.set('metadata', JSON.stringify(params.metadata));
  if (params.payload !== undefined) search.set('payload', JSON.stringify(params.payload));
  if (params.limit !== undefined) search.set('limit', String(params.limit));
  if (params.cursor !== undefined) search.set('cursor', params.cursor);
  return search;
}

function filterJson(filter: BulkParams['filter']): Record<string, unknown> {
  const json: Record<string, unknown> = { ...filter };
  for (const key of ['createdAfter', 'createdBefore', 'finishedBefore'] as const) {
    const value = filter[key];
    if (value !== undefined) json[key] = dateJson(value);
  }
  return json;
}

/** Builds a client. */
export function createClient(options: ClientOptions) {
  if (typeof options?.baseUrl !== 'string' || options.baseUrl === '') {
    throw new TypeError('createClient needs a baseUrl, e.g. http://127.0.0.1:3000/api');
  }
  const base = options.baseUrl.replace(/\/+$/, '');
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const headers = (extra: Record<string, string> = {}): Record<string, string> => ({
    ...options.headers,
    ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    ...extra,
  });
  const send = async (
    method: string,
    path: string,
    body?: unknown,
    init: RequestInit = {},
  ): Promise<Response> => {
    const response = await fetchImpl(`${base}${path}`, {
      method,
      headers: headers(
        body === undefined
          ? { accept: 'application/json' }
          : { 'content-type': 'application/json', accept: 'application/json' },
      ),
      credentials: options.credentials ?? 'same-origin',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...init,
    });
    if (!response.ok) throw await toApiError(response);
    return response;
  };
  const json = async <T>(method: string, path: string, body?: unknown): Promise<T> =>
    (await (await send(method, path, body)).json()) as T;
  const id = (value: string) => encodeURIComponent(value);

  return {
    /** `GET /health`: `{ status: 'ok' }`; throws `ApiError` (503) when the backend is unreachable. */
    health: () => json<HealthJson>('GET', '/health'),
    /** `GET /me`: who the API says the caller is. */
    me: () => json<PrincipalJson>('GET', '/me'),
    /** `GET /openapi.json`. */
    openapi: () => json<Record<string, unknown>>('GET', '/openapi.json'),
    jobs: {
      /** `GET /jobs`: one page, newest first; pass `nextCursor` as `cursor` for the next. */
      list: (params: ListJobsParams = {}) => {
        const search = listSearch(params).toString();
        return json<JobPageJson>('GET', `/jobs${search ? `?${search}` : ''}`);
      },
      /** `GET /jobs/{id}`; null when there is no such job. */
      get: async (jobId: string): Promise<JobJson | null> => {
        try {
          return await json<JobJson>('GET', `/jobs/${id(jobId)}`);
        } catch (error) {
          if (error instanceof ApiError && error.status === 404) return null;
          throw error;
        }
      },
      /** `POST /jobs`: enqueue a task by name. A unique-key clash throws `ApiError` 409 with `existingJobId`. */
      enqueue: (task: string, payload?: unknown, enqueueOptions?: EnqueueParams) =>
        json<{ id: string }>('POST', '/jobs', {
          task,
          ...(payload !== undefined ? { payload } : {}),
          ...(enqueueOptions
            ? {
                options: {
                  ...enqueueOptions,
                  ...(enqueueOptions.runAt !== undefined ? { runAt: dateJson(enqueueOptions.runAt) } : {}),
                },
              }
            : {}),
        }),
      /** `POST /jobs/{id}/cancel`: `cancelled`, or `requested` for a running job (admin). */
      cancel: (jobId: string) => json<CancelJson>('POST', `/jobs/${id(jobId)}/cancel`),
      /** `POST /jobs/{id}/retry`: a failed or cancelled job, pending again. */
      retry: (jobId: string) => json<JobJson>('POST', `/jobs/${id(jobId)}/retry`),
      /** `DELETE /jobs/{id}`. */
      remove: async (jobId: string): Promise<void> => {
        await send('DELETE', `/jobs/${id(jobId)}`);
      },
      /** `POST /jobs/bulk`: retry, cancel or remove every job matching a filter. */
      bulk: (params: BulkParams) =>
        json<BulkProgressJson>('POST', '/jobs/bulk', { ...params, filter: filterJson(params.filter) }),
      /** `POST /jobs/clean`: remove finished jobs older than a duration. */
      clean: (params: CleanParams) => json<BulkProgressJson>('POST', '/jobs/clean', params),
    },
    stats: {
      /** `GET /stats`. */
      summary: () => json<StatsSummaryJson>('GET', '/stats'),
      /** `GET /stats/history`. */
      history: (params: HistoryParams = {}) => {
        const search = new URLSearchParams();
        if (params.from !== undefined) search.set('from', dateParam(params.from));
        if (params.to !== undefined) search.set('to', dateParam(params.to));
        if (params.bucket) search.set('bucket', params.bucket);
        if (params.queue) search.set('queue', params.queue);
        if (params.task) search.set('task', params.task);
        const text = search.toString();
        return json<HistoryJson>('GET', `/stats/history${text ? `?${text}` : ''}`);
      },
    },
    workers: {
      /** `GET /workers`. */
      list: async () => (await json<{ workers: WorkerJson[] }>('GET', '/workers')).workers,
    },
    tasks: {
      /** `GET /tasks`. */
      list: async () => (await json<{ tasks: TaskJson[] }>('GET', '/tasks')).tasks,
    },
    queues: {
      /** `GET /queues`. */
      list: async () => (await json<{ queues: QueueJson[] }>('GET', '/queues')).queues,
      /** `POST /queues/{name}/pause`. */
      pause: (name: string) => json<{ name: string; paused: boolean }>('POST', `/queues/${id(name)}/pause`),
      /** `POST /queues/{name}/resume`. */
      resume: (name: string) => json<{ name: string; paused: boolean }>('POST', `/queues/${id(name)}/resume`),
    },
    schedules: {
      /** `GET /schedules`. */
      list: async () => (await json<{ schedules: ScheduleJson[] }>('GET', '/schedules')).schedules,
      /** `POST /schedules/{key}/pause`. */
      pause: (key: string) => json<{ key: string; paused: boolean }>('POST', `/schedules/${id(key)}/pause`),
      /** `POST /schedules/{key}/resume`. */
      resume: (key: string) => json<{ key: string; paused: boolean }>('POST', `/schedules/${id(key)}/resume`),
      /** `POST /schedules/{key}/trigger`: the job it enqueued. */
      trigger: (key: string) => json<{ id: string }>('POST', `/schedules/${id(key)}/trigger`),
      /** `DELETE /schedules/{key}`. */
      remove: async (key: string): Promise<void> => {
        await send('DELETE', `/schedules/${id(key)}`);
      },
    },
    /**
     * `GET /events` as an async iterator of job events (and `gap` events). Reconnects after
     * a dropped connection with `Last-Event-ID`; ends when `signal` aborts or `break`.
     * An error answer (401, 403, 429, 501) throws `ApiError`.
     */
    events: (params: EventsParams = {}): AsyncIterable<ClusterEventJson> => ({
      [Symbol.asyncIterator]: () => followEvents(params)[Symbol.asyncIterator](),
    }),
  };

  async function* followEvents(params: EventsParams): AsyncGenerator<ClusterEventJson> {
    const search = new URLSearchParams();
    if (params.queues?.length) search.set('queue', params.queues.join(','));
    if (params.tasks?.length) search.set('task', params.tasks.join(','));
    const path = `/events${search.toString() ? `?${search}` : ''}`;
    let lastEventId = params.after ?? '';
    let retryMs = 2000;
    while (!params.signal?.aborted) {
      let response: Response;
      try {
        response = await send('GET', path, undefined, {
          headers: headers({
            accept: 'text/event-stream',
            ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
          }),
          ...(params.signal ? { signal: params.signal } : {}),
        });
      } catch (error) {
        if (error instanceof ApiError || params.signal?.aborted || params.reconnect === false) throw error;
        await pause(retryMs, params.signal);
        continue;
      }
      try {
        for await (const message of readSse(response.body!, (ms) => (retryMs = ms), lastEventId)) {
          lastEventId = message.lastEventId;
          yield JSON.parse(message.data) as ClusterEventJson;
        }
      } catch (error) {
        if (params.signal?.aborted) return;
        if (params.reconnect === false) throw error;
      }
      if (params.reconnect === false || params.signal?.aborted) return;
      await pause(retryMs, params.signal);
    }
  }
}

/** The client `createClient` returns. */
export type SwitchyardClient = ReturnType<typeof createClient>;

async function toApiError(response: Response): Promise<ApiError> {
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = await response.json();
    if (typeof parsed === 'object' && parsed !== null) body = parsed as Record<string, unknown>;
  } catch {
    // Not JSON (a proxy's error page): the status alone describes it.
  }
  const retryAfter = response.headers.get('retry-after');
  if (body.retryAfter === undefined && retryAfter && /^\d+$/.test(retryAfter))
    body.retryAfter = Number(retryAfter);
  return new ApiError(response.status, body);
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
