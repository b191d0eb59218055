/**
 * Every HTTP call the dashboard makes, in one module: `@switchyard/http/client` (bundled
 * at build time) behind a `fetch` that adds the current bearer token and notices a 401,
 * plus what the dashboard needs on top (who am I, the event stream's connection state).
 */
import { ApiError, createClient, type ListJobsParams } from '@switchyard/http/client';
import type { ClusterEvent, Job, Principal } from './types.ts';

export { ApiError, type ListJobsParams };

/** The filter of a bulk action. */
export type BulkFilter = Omit<ListJobsParams, 'limit' | 'cursor'>;

/** Options of `createApiClient`. */
export interface ApiClientOptions {
  /** The API's base URL as the runtime config gives it (`''` for the server root). */
  baseUrl: string;
  /** Returns the bearer token to send, if any (read on every call: signing in changes it). */
  token: () => string | undefined;
  /** Called on a 401, so the app can show the login screen. */
  onUnauthenticated?: () => void;
}

/**
 * Wraps a response body so `onEnd` is called once when it ends, fails or is cancelled
 * (the client reconnects by itself; the dashboard only shows whether it is connected).
 */
function watchBody(response: Response, onEnd: () => void): Response {
  if (!response.body) return response;
  const reader = response.body.getReader();
  let ended = false;
  const end = () => {
    if (!ended) {
      ended = true;
      onEnd();
    }
  };
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await reader.read();
        if (done) {
          end();
          controller.close();
        } else controller.enqueue(value);
      } catch (error) {
        end();
        controller.error(error);
      }
    },
    cancel(reason) {
      end();
      return reader.cancel(reason);
    },
  });
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/** Builds the dashboard's API client. */
export function createApiClient(options: ApiClientOptions) {
  // The client wants an absolute URL; the runtime config gives a path on this origin.
  const baseUrl = new URL(options.baseUrl.replace(/\/+$/, '') || '/', location.origin).href.replace(
    /\/+$/,
    '',
  );
  let onStream: ((live: boolean) => void) | undefined;
  const authFetch: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    const token = options.token();
    if (token) headers.set('authorization', `Bearer ${token}`);
    const response = await fetch(input, { ...init, headers });
    if (response.status === 401) options.onUnauthenticated?.();
    if (response.ok && headers.get('accept') === 'text/event-stream' && onStream) {
      const report = onStream;
      report(true);
      return watchBody(response, () => report(false));
    }
    return response;
  };
  const client = createClient({ baseUrl, fetch: authFetch });

  return {
    /** `GET /me`: who the API says the caller is. */
    me: async (): Promise<Principal> => {
      const response = await authFetch(`${baseUrl}/me`, { headers: { accept: 'application/json' } });
      const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
      if (!response.ok) throw new ApiError(response.status, body);
      return body as unknown as Principal;
    },
    jobs: {
      list: client.jobs.list,
      /** The job; throws `ApiError` 404 when there is none. */
      get: async (jobId: string): Promise<Job> => {
        const job = await client.jobs.get(jobId);
        if (!job) throw new ApiError(404, { code: 'NOT_FOUND', detail: `no job with id ${jobId}` });
        return job;
      },
      enqueue: client.jobs.enqueue,
      cancel: client.jobs.cancel,
      retry: client.jobs.retry,
      remove: client.jobs.remove,
      bulk: (action: 'retry' | 'cancel' | 'remove', filter: BulkFilter) =>
        client.jobs.bulk({ action, filter }),
    },
    stats: client.stats,
    workers: client.workers,
    tasks: client.tasks,
    queues: client.queues,
    schedules: client.schedules,
    /**
     * Follows `GET /events` until `signal` aborts: the client reconnects after a drop with
     * `Last-Event-ID`; a refusal (401, 403, 501) ends it; a 429 waits as told and retries.
     */
    events: async (
      params: { queues?: string[]; signal: AbortSignal },
      onEvent: (event: ClusterEvent) => void,
      onStatus?: (live: boolean) => void,
    ): Promise<void> => {
      onStream = onStatus;
      while (!params.signal.aborted) {
        try {
          for await (const event of client.events({
            signal: params.signal,
            ...(params.queues?.length ? { queues: params.queues } : {}),
          })) {
            onEvent(event);
          }
          return;
        } catch (error) {
          if (params.signal.aborted) return;
          onStatus?.(false);
          if (!(error instanceof ApiError) || error.status !== 429) return;
          await new Promise((resolve) => setTimeout(resolve, (error.retryAfter ?? 5) * 1000));
        }
      }
    },
  };
}

/** The dashboard's API client. */
export type ApiClient = ReturnType<typeof createApiClient>;
