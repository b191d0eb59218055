/** Queue and schedule routes. */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { routeOf } from '../define-route.js';
import { fail } from '../problem.js';
import type { ApiEnv, ApiRuntime } from '../runtime.js';
import { problems } from '../schemas/common.js';
import { CreatedSchema } from '../schemas/jobs.js';
import { QueueParams, QueueSchema, ScheduleParams, ScheduleSchema } from '../schemas/operations.js';
import { plainJson } from '../serialize.js';

const json = <T>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

function noSchedule(key: string): never {
  fail(404, 'NOT_FOUND', `no schedule with key ${key}`);
}

/** Registers the queue and schedule routes. */
export function registerQueueRoutes(app: OpenAPIHono<ApiEnv>, runtime: ApiRuntime): void {
  const { yard } = runtime;

  app.openapi(
    createRoute({
      ...routeOf(runtime, 'GET /queues'),
      tags: ['queues'],
      summary: 'Queues with their pause flag and counts per state',
      responses: {
        200: json(z.object({ queues: z.array(QueueSchema) }), 'The queues'),
        ...problems(401, 403, 429, 503),
      },
    }),
    async (c) => {
      const names = (await yard.queues.list()).sort();
      const queues = await Promise.all(
        names.map(async (name) => {
          const [paused, counts] = await Promise.all([
            yard.queues.isPaused(name),
            yard.jobs.counts({ queue: name }),
          ]);
          return { name, paused, counts };
        }),
      );
      return c.json({ queues }, 200);
    },
  );

  for (const action of ['pause', 'resume'] as const) {
    app.openapi(
      createRoute({
        ...routeOf(runtime, `POST /queues/{name}/${action}`),
        tags: ['queues'],
        summary:
          action === 'pause' ? 'Pause a queue (jobs are kept; no worker starts new ones)' : 'Resume a queue',
        request: { params: QueueParams },
        responses: {
          200: json(z.object({ name: z.string(), paused: z.boolean() }), 'The queue state'),
          ...problems(400, 401, 403, 429, 503),
        },
      }),
      async (c) => {
        const { name } = c.req.valid('param');
        await yard.queues[action](name);
        return c.json({ name, paused: action === 'pause' }, 200);
      },
    );
  }

  app.openapi(
    createRoute({
      ...routeOf(runtime, 'GET /schedules'),
      tags: ['schedules'],
      summary: 'Schedules (cron or interval) with their next run',
      responses: {
        200: json(z.object({ schedules: z.array(ScheduleSchema) }), 'The schedules'),
        ...problems(401, 403, 429, 503),
      },
    }),
    async (c) => c.json({ schedules: plainJson(await yard.schedules.list()) } as never, 200),
  );

  for (const action of ['pause', 'resume'] as const) {
    app.openapi(
      createRoute({
        ...routeOf(runtime, `POST /schedules/{key}/${action}`),
        tags: ['schedules'],
        summary: action === 'pause' ? 'Pause a schedule' : 'Resume a schedule',
        request: { params: ScheduleParams },
        responses: {
          200: json(z.object({ key: z.string(), paused: z.boolean() }), 'The schedule state'),
          ...problems(400, 401, 403, 404, 429, 503),
        },
      }),
      async (c) => {
        const { key } = c.req.valid('param');
        if (!(await yard.schedules[action](key))) return noSchedule(key);
        return c.json({ key, paused: action === 'pause' }, 200);
      },
    );
  }

  app.openapi(
    createRoute({
      ...routeOf(runtime, 'POST /schedules/{key}/trigger'),
      tags: ['schedules'],
      summary: "Run a schedule's task now, once, without moving its next tick",
      request: { params: ScheduleParams },
      responses: {
        201: json(CreatedSchema, 'The job it enqueued'),
        ...problems(400, 401, 403, 404, 409, 422, 429, 503),
      },
    }),
    async (c) => {
      const { key } = c.req.valid('param');
      const created = await yard.schedules.trigger(key);
      if (!created) return noSchedule(key);
      c.set('auditTarget', { scheduleKey: key, jobId: created.id });
      c.header('location', `${runtime.basePath}/jobs/${created.id}`);
      return c.json({ id: created.id }, 201);
    },
  );

  app.openapi(
    createRoute({
      ...routeOf(runtime, 'DELETE /schedules/{key}'),
      tags: ['schedules'],
      summary: 'Remove a schedule',
      request: { params: ScheduleParams },
      responses: { 204: { description: 'Removed' }, ...problems(400, 401, 403, 404, 429, 503) },
    }),
    async (c) => {
      const { key } = c.req.valid('param');
      if (!(await yard.schedules.remove(key))) return noSchedule(key);
      return c.body(null, 204);
    },
  );
}
