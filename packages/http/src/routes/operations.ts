/** Read-only operations routes: stats, history, workers, tasks. */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { HistoryQuery } from '@switchyard/core';
import { routeOf } from '../define-route.js';
import type { ApiEnv, ApiRuntime } from '../runtime.js';
import { problems } from '../schemas/common.js';
import {
  HistoryQuerySchema,
  HistorySchema,
  StatsSummarySchema,
  TaskSchema,
  WorkerSchema,
} from '../schemas/operations.js';
import { plainJson } from '../serialize.js';

const json = <T>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

const HOUR = 3_600_000;

/** The history range when the query leaves it open: the last hour by minute, the last day by hour. */
export function historyRange(
  query: { from?: string | number; to?: string | number; bucket?: '1m' | '1h' },
  now: number,
): Pick<HistoryQuery, 'from' | 'to' | 'bucket'> {
  const bucket = query.bucket ?? '1m';
  const to = query.to ?? new Date(now).toISOString();
  const toMs = typeof to === 'number' ? to : Date.parse(to);
  const from = query.from ?? new Date(toMs - (bucket === '1m' ? HOUR : 24 * HOUR)).toISOString();
  return { from, to, bucket };
}

/** Registers stats, history, workers and tasks. */
export function registerOperationsRoutes(app: OpenAPIHono<ApiEnv>, runtime: ApiRuntime): void {
  const { yard } = runtime;

  app.openapi(
    createRoute({
      ...routeOf(runtime, 'GET /stats'),
      tags: ['stats'],
      summary: 'Per queue: counts per state, oldest pending age, paused, live workers, jobs per minute',
      responses: { 200: json(StatsSummarySchema, 'The summary'), ...problems(401, 403, 429, 501, 503) },
    }),
    async (c) => c.json(plainJson(await yard.stats.summary()) as never, 200),
  );

  app.openapi(
    createRoute({
      ...routeOf(runtime, 'GET /stats/history'),
      tags: ['stats'],
      summary: 'Completed, failed and retried counts with p50/p95 run time per minute or hour',
      request: { query: HistoryQuerySchema },
      responses: {
        200: json(HistorySchema, 'Every bucket of the range'),
        ...problems(400, 401, 403, 429, 501, 503),
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const history = await yard.stats.history({
        ...historyRange(query, Date.now()),
        ...(query.queue ? { queue: query.queue } : {}),
        ...(query.task ? { task: query.task } : {}),
      });
      return c.json(plainJson(history) as never, 200);
    },
  );

  app.openapi(
    createRoute({
      ...routeOf(runtime, 'GET /workers'),
      tags: ['workers'],
      summary: 'Live workers of every process on this backend',
      responses: {
        200: json(z.object({ workers: z.array(WorkerSchema) }), 'The workers'),
        ...problems(401, 403, 429, 501, 503),
      },
    }),
    async (c) => c.json({ workers: plainJson(await yard.workers.list()) } as never, 200),
  );

  app.openapi(
    createRoute({
      ...routeOf(runtime, 'GET /tasks'),
      tags: ['tasks'],
      summary: 'Registered tasks with their settings and payload JSON Schema',
      responses: {
        200: json(z.object({ tasks: z.array(TaskSchema) }), 'The tasks'),
        ...problems(401, 403, 429),
      },
    }),
    (c) => c.json({ tasks: yard.tasks.list() } as never, 200),
  );
}
