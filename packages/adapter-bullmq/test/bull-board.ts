/**
 * bull-board's API package (`@bull-board/api`) without a UI server: its routes are captured by a
 * minimal server adapter and called directly, with the same request object an HTTP server would
 * hand them. Every action runs bull-board's own handler code against the real Redis.
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import type { Queue } from 'bullmq';

/** What a bull-board route answers. */
export interface BoardResponse {
  status?: number;
  /** bull-board's untyped JSON body. */
  body: any;
}

interface Route {
  method: string | string[];
  route: string | string[];
  handler: (request: unknown) => Promise<BoardResponse>;
}

/** A bull-board over `queues`, called like its HTTP API. */
export interface Board {
  /** The bull-board queue adapters, e.g. to set formatters. */
  adapters: BullMQAdapter[];
  /** Calls the route `method path` (e.g. `put /api/queues/default/123/retry`); `body` as JSON. */
  call(method: string, path: string, body?: Record<string, unknown>): Promise<BoardResponse>;
}

/** Matches `/api/queues/:queueName/:jobId/retry` against a path; the route's params, or null. */
function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const part = want[i] as string;
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(got[i] as string);
    else if (part !== got[i]) return null;
  }
  return params;
}

/** Builds a bull-board on `queues` (BullMQ `Queue` objects on the adapter's prefix). */
export function bullBoard(queues: Queue[]): Board {
  const routes: Route[] = [];
  let registered: unknown;
  const chain = {
    setQueues(value: unknown) {
      registered = value;
      return chain;
    },
    setViewsPath: () => chain,
    setStaticPath: () => chain,
    setUIConfig: () => chain,
    setEntryRoute: () => chain,
    setErrorHandler: () => chain,
    setApiRoutes(value: Route[]) {
      routes.push(...value);
      return chain;
    },
  };
  const adapters = queues.map((queue) => new BullMQAdapter(queue as never));
  createBullBoard({
    queues: adapters,
    serverAdapter: chain as never,
    // No UI package is served: the views path is never read.
    options: { uiBasePath: '/nonexistent', uiConfig: {} },
  });
  return {
    adapters,
    async call(method, target, body = {}) {
      const [path = '', search = ''] = target.split('?');
      const query = Object.fromEntries(new URLSearchParams(search));
      for (const route of routes) {
        const methods = ([] as string[]).concat(route.method);
        if (!methods.includes(method)) continue;
        for (const pattern of ([] as string[]).concat(route.route)) {
          const params = match(pattern, path);
          if (!params) continue;
          return route.handler({ queues: registered, uiConfig: {}, query, params, body, headers: {} });
        }
      }
      throw new Error(`bull-board has no route ${method} ${path}`);
    },
  };
}
