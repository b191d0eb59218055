/** Job routes: list, get, enqueue, cancel, retry, remove, bulk, clean. */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { EnqueueOptions, ListJobsQuery } from '@switchyard/core';
import { CANCEL_RUNNING_ROLE } from '../access-policy.js';
import { routeOf } from '../define-route.js';
import { fail } from '../problem.js';
import { roleAllows } from '../roles.js';
import type { ApiEnv, ApiRuntime } from '../runtime.js';
import { problems } from '../schemas/common.js';
import {
  BulkBodySchema,
  BulkProgressSchema,
  CancelSchema,
  CleanBodySchema,
  CreatedSchema,
  EnqueueBodySchema,
  JobIdParams,
  JobPageSchema,
  JobSchema,
  ListJobsQuerySchema,
} from '../schemas/jobs.js';
import { visibleJob } from '../serialize.js';

const json = <T>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const jsonBody = <T>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });

function notFound(id: string): never {
  fail(404, 'NOT_FOUND', `no job with id ${id}`);
}

/** Registers the job routes. */
export function registerJobRoutes(app: OpenAPIHono<ApiEnv>, runtime: ApiRuntime): void {
  const { yard } = runtime;

  app.openapi(
    createRoute({
      ...routeOf(runtime, 'GET /jobs'),
      tags: ['jobs'],
      summary: 'List jobs (newest first) by state, task, queue, dates, metadata and payload, with a cursor',
      request: { query: ListJobsQuerySchema },
      responses: { 200: json(JobPageSchema, 'One page of jobs'), ...problems(400, 401, 403, 429, 501, 503) },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const listQuery: ListJobsQuery = {};
      if (query.state) listQuery.state = query.state;
      if (query.task) listQuery.task = query.task;
      if (query.queue) listQuery.queue = query.queue;
      if (query.createdAfter !== undefined) listQuery.createdAfter = query.createdAfter;
      if (query.createdBefore !== undefined) listQuery.createdBefore = query.createdBefore;
      if (query.finishedBefore !== undefined) listQuery.finishedBefore = query.finishedBefore;
      if (query.metadata) listQuery.metadata = query.metadata as Record<string, string>;
      if (query.payload) listQuery.payload = query.payload;
      if (query.limit !== undefined) listQuery.limit = query.limit;
      if (query.cursor) listQuery.cursor = query.cursor;
      const page = await yard.jobs.list(listQuery);
      const role = c.get('principal').role;
      return c.json(
        {
          jobs: page.jobs.map((job) => visibleJob(job, role, 'list', runtime.redactor)),
          ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      ...routeOf(runtime, 'GET /jobs/{id}'),
      tags: ['jobs'],
      summary: 'Get one job',
      request: { params: JobIdParams },
      responses: { 200: json(JobSchema, 'The job'), ...problems(400, 401, 403, 404, 429, 503) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const job = await yard.jobs.get(id);
      if (!job) return notFound(id);
      return c.json(visibleJob(job, c.get('principal').role, 'detail', runtime.redactor), 200);
    },
  );

  app.openapi(
    createRoute({
      ...routeOf(runtime, 'POST /jobs'),
      tags: ['jobs'],
      summary: 'Enqueue a task by name (payload validated by the task schema)',
      request: { body: jsonBody(EnqueueBodySchema) },
      responses: {
        201: json(CreatedSchema, 'Created; Location points at the job'),
        ...problems(400, 401, 403, 409, 413, 415, 422, 429, 501, 503),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const { runAt, ...rest } = body.options ?? {};
      const options: EnqueueOptions = { ...rest } as EnqueueOptions;
      if (runAt !== undefined) options.runAt = new Date(runAt);
      const { id } = await yard.enqueue(body.task, body.payload, options);
      c.set('auditTarget', { jobId: id });
      c.header('location', `${runtime.basePath}/jobs/${id}`);
      return c.json({ id }, 201);
    },
  );

  app.openapi(
    createRoute({
      ...routeOf(runtime, 'POST /jobs/{id}/cancel'),
      tags: ['jobs'],
      summary: 'Cancel a job: operators may cancel waiting jobs, admins also running ones',
      request: { params: JobIdParams },
      responses: {
        200: json(CancelSchema, 'cancelled (it was waiting) or requested (its worker aborts it)'),
        ...problems(400, 401, 403, 404, 409, 429, 503),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const principal = c.get('principal');
      if (!roleAllows(principal.role, CANCEL_RUNNING_ROLE)) {
        // Operators may cancel only what has not started; read the state first.
        const job = await yard.jobs.get(id);
        if (!job) return notFound(id);
        if (job.state === 'running') {
          fail(403, 'FORBIDDEN', `cancelling a running job needs the ${CANCEL_RUNNING_ROLE} role`);
        }
      }
      const outcome = await yard.jobs.cancel(id);
      if (outcome === 'not_found') return notFound(id);
      if (outcome === 'finished') {
        fail(409, 'JOB_STATE_CONFLICT', `job ${id} has already finished`);
      }
      return c.json({ id, outcome: outcome as 'cancelled' | 'requested' }, 200);
    },
  );

  app.openapi(
    createRoute({
      ...routeOf(runtime, 'POST /jobs/{id}/retry'),
      tags: ['jobs'],
      summary: 'Retry a failed or cancelled job with a fresh attempt budget',
      request: { params: JobIdParams },
      responses: {
        200: json(JobSchema, 'The job, pending again'),
        ...problems(400, 401, 403, 404, 409, 429, 503),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const job = await yard.jobs.retry(id);
      if (job) return c.json(visibleJob(job, c.get('principal').role, 'detail', runtime.redactor), 200);
      const existing = await yard.jobs.get(id);
      if (!existing) return notFound(id);
      return fail(
        409,
        'JOB_STATE_CONFLICT',
        `job ${id} is ${existing.state}; only failed or cancelled jobs can be retried`,
      );
    },
  );

  app.openapi(
    createRoute({
      ...routeOf(runtime, 'DELETE /jobs/{id}'),
      tags: ['jobs'],
      summary: 'Remove a job',
      request: { params: JobIdParams },
      responses: { 204: { description: 'Removed' }, ...problems(400, 401, 403, 404, 429, 503) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      if (!(await yard.jobs.remove(id))) return notFound(id);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      ...routeOf(runtime, 'POST /jobs/bulk'),
      tags: ['jobs'],
      summary: 'Retry, cancel or remove every job matching a filter, in batches',
      request: { body: jsonBody(BulkBodySchema) },
      responses: {
        200: json(BulkProgressSchema, 'What the action did'),
        ...problems(400, 401, 403, 413, 415, 429, 501, 503),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const progress = await yard.jobs.bulk({
        action: body.action,
        filter: body.filter as ListJobsQuery,
        ...(body.all !== undefined ? { all: body.all } : {}),
        ...(body.batchSize !== undefined ? { batchSize: body.batchSize } : {}),
      });
      return c.json(progress, 200);
    },
  );

  app.openapi(
    createRoute({
      ...routeOf(runtime, 'POST /jobs/clean'),
      tags: ['jobs'],
      summary: 'Remove jobs of a finished state older than a duration',
      request: { body: jsonBody(CleanBodySchema) },
      responses: {
        200: json(BulkProgressSchema, 'What the clean removed'),
        ...problems(400, 401, 403, 413, 415, 429, 501, 503),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const progress = await yard.jobs.clean({
        state: body.state,
        olderThan: body.olderThan,
        ...(body.queue !== undefined ? { queue: body.queue } : {}),
        ...(body.batchSize !== undefined ? { batchSize: body.batchSize } : {}),
      });
      if (body.queue) c.set('auditTarget', { queue: body.queue });
      return c.json(progress, 200);
    },
  );
}
