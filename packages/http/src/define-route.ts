/** Route definitions tied to the access table: method and path come from the policy key. */
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { RouteKey } from './access-policy.js';
import { audit, guard } from './guard.js';
import { problem, problemResponse } from './problem.js';
import type { ApiEnv, ApiRuntime } from './runtime.js';

type Method = 'get' | 'post' | 'delete';

/** Method, OpenAPI path and guarding middleware of a route key such as `POST /jobs/{id}/cancel`. */
export function routeOf(runtime: ApiRuntime, key: RouteKey) {
  const [method, path] = key.split(' ') as [string, string];
  return {
    method: method.toLowerCase() as Method,
    path,
    // The body limit comes after the guard: an unauthenticated body is never read at all.
    middleware: [
      audit(runtime, key),
      guard(runtime, key),
      ...(method === 'GET' ? [] : [limitBody(runtime.bodyLimit)]),
    ] as MiddlewareHandler<ApiEnv>[],
    security: key === 'GET /health' || key === 'GET /openapi.json' ? [] : [{ bearer: [] }],
  };
}

function limitBody(maxSize: number): MiddlewareHandler<ApiEnv> {
  return bodyLimit({
    maxSize,
    onError: () =>
      problemResponse(problem(413, 'BODY_TOO_LARGE', `the request body is larger than ${maxSize} bytes`)),
  });
}
