/** `GET /health`, `GET /metrics` and `GET /openapi.json`. */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { routeOf } from '../define-route.js';
import { healthCheck } from '../health.js';
import { fail } from '../problem.js';
import type { ApiEnv, ApiRuntime } from '../runtime.js';
import { problems } from '../schemas/common.js';
import { HealthSchema, PrincipalSchema } from '../schemas/operations.js';

/** Registers health and metrics (the OpenAPI route is added by `createApi`, which owns the document). */
export function registerSystemRoutes(app: OpenAPIHono<ApiEnv>, runtime: ApiRuntime): void {
  const healthy = healthCheck(runtime.yard, (error) =>
    runtime.logger.warn({ err: error }, 'switchyard http: health check failed'),
  );
  app.openapi(
    createRoute({
      ...routeOf(runtime, 'GET /health'),
      tags: ['system'],
      summary: 'Is the backend reachable? No authentication, no detail',
      responses: {
        200: { description: 'Reachable', content: { 'application/json': { schema: HealthSchema } } },
        503: { description: 'Unreachable', content: { 'application/json': { schema: HealthSchema } } },
      },
    }),
    async (c) => {
      c.header('cache-control', 'no-store');
      return (await healthy())
        ? c.json({ status: 'ok' as const }, 200)
        : c.json({ status: 'unavailable' as const }, 503);
    },
  );

  app.openapi(
    createRoute({
      ...routeOf(runtime, 'GET /me'),
      tags: ['system'],
      summary: 'Who the caller is (name and role), e.g. for a UI that shows only what the role may do',
      responses: {
        200: { description: 'The caller', content: { 'application/json': { schema: PrincipalSchema } } },
        ...problems(401, 429, 503),
      },
    }),
    (c) => {
      const { name, role } = c.get('principal');
      c.header('cache-control', 'no-store');
      return c.json({ name, role }, 200);
    },
  );

  const { metrics } = runtime;
  if (metrics) {
    app.openapi(
      createRoute({
        ...routeOf(runtime, 'GET /metrics'),
        ...(runtime.publicMetrics ? { security: [] } : {}),
        tags: ['system'],
        summary: 'Prometheus metrics',
        responses: {
          200: { description: 'Prometheus text format', content: { 'text/plain': { schema: z.string() } } },
          ...problems(401, 403, 429, 503),
        },
      }),
      async (c) => {
        try {
          const text = await metrics.metrics();
          return c.text(text, 200, { 'content-type': metrics.contentType });
        } catch (error) {
          runtime.logger.error({ err: error }, 'switchyard http: rendering metrics failed');
          fail(503, 'ADAPTER_ERROR', 'metrics are unavailable; try again later');
        }
      },
    );
  }
}
