/** Schemas of the job routes: the job record, list filters, enqueue, bulk and clean. */
import { z } from '@hono/zod-openapi';
import {
  DateInputSchema,
  DateParam,
  DurationSchema,
  JobStateSchema,
  jsonObjectParam,
  Name,
  StateListParam,
  UUID_PATTERN,
} from './common.js';

const IsoDate = z.string().openapi({ format: 'date-time' });
const JsonValue = z.any().openapi({ description: 'Any JSON value' });
const StringMap = z.record(z.string(), z.string());

const BackoffSpecSchema = z
  .object({
    type: z.enum(['fixed', 'exponential', 'list']),
    delay: z.number().optional(),
    delays: z.array(z.number()).optional(),
    factor: z.number().optional(),
    max: z.number().optional(),
    jitter: z.enum(['none', 'full', 'equal']).optional(),
  })
  .openapi('BackoffSpec');

/** A job as the API returns it. */
export const JobSchema = z
  .object({
    id: z.string().openapi({ format: 'uuid' }),
    task: z.string(),
    queue: z.string(),
    state: JobStateSchema,
    payload: JsonValue,
    priority: z.number().int(),
    attempt: z.number().int(),
    maxAttempts: z.number().int().nullable(),
    createdAt: IsoDate,
    runAt: IsoDate,
    startedAt: IsoDate.optional(),
    finishedAt: IsoDate.optional(),
    result: JsonValue.optional(),
    error: z
      .object({
        name: z.string(),
        message: z.string(),
        code: z.string().optional(),
        stack: z.string().optional(),
      })
      .optional(),
    progress: JsonValue.optional(),
    uniqueKey: z.string().optional(),
    metadata: StringMap,
    backoff: BackoffSpecSchema.optional(),
    timeoutMs: z.number().optional(),
    cancelRequested: z.boolean().optional(),
  })
  .openapi('Job');

/** One page of jobs. */
export const JobPageSchema = z
  .object({ jobs: z.array(JobSchema), nextCursor: z.string().optional() })
  .openapi('JobPage');

/** The `{id}` path parameter. */
export const JobIdParams = z.object({
  id: z
    .string()
    .regex(UUID_PATTERN, 'must be a job id (UUID)')
    .openapi({
      param: { name: 'id', in: 'path' },
      format: 'uuid',
      example: '01970a4e-7c1b-7d2e-8f00-1a2b3c4d5e6f',
    }),
});

/** `GET /jobs` query: every filter of `yard.jobs.list`, and the cursor. */
export const ListJobsQuerySchema = z
  .object({
    state: StateListParam.optional(),
    task: Name.optional(),
    queue: Name.optional(),
    createdAfter: DateParam.optional(),
    createdBefore: DateParam.optional(),
    finishedBefore: DateParam.optional(),
    metadata: jsonObjectParam(
      'Metadata keys that must all equal the given strings, as URL-encoded JSON',
    ).optional(),
    payload: jsonObjectParam(
      'Top-level payload keys that must all equal the given JSON values, as URL-encoded JSON',
    ).optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional().openapi({
      type: 'integer',
      minimum: 1,
      maximum: 1000,
      description: 'Page size, default 50, at most 1000',
    }),
    cursor: z
      .string()
      .min(1)
      .max(1024)
      .optional()
      .openapi({ description: 'nextCursor of the previous page' }),
  })
  .strict();

const RetryOptionsSchema = z
  .object({
    attempts: z.union([z.number().int().min(1).max(1_000_000), z.literal('unlimited')]).optional(),
    backoff: z
      .union([
        z.enum(['fixed', 'exponential']),
        z.string().min(1).max(200),
        z.array(DurationSchema).min(1).max(100),
        z
          .object({
            type: z.enum(['fixed', 'exponential']),
            delay: DurationSchema,
            factor: z.number().min(1).max(100).optional(),
            max: DurationSchema.optional(),
            jitter: z.enum(['none', 'full', 'equal']).optional(),
          })
          .strict(),
      ])
      .optional(),
  })
  .strict();

/** `POST /jobs` body: enqueue a task by name. */
export const EnqueueBodySchema = z
  .object({
    task: Name,
    payload: JsonValue.optional(),
    options: z
      .object({
        delay: DurationSchema.optional(),
        runAt: DateInputSchema.optional(),
        priority: z.number().int().min(0).max(9).optional(),
        uniqueKey: z.string().min(1).max(256).optional(),
        queue: Name.optional(),
        timeout: DurationSchema.optional(),
        retry: RetryOptionsSchema.optional(),
        metadata: z.record(z.string().min(1).max(128), z.string().max(1024)).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .openapi('EnqueueRequest');

/** `{ id }` of a created job. */
export const CreatedSchema = z.object({ id: z.string().openapi({ format: 'uuid' }) }).openapi('Created');

/** `POST /jobs/{id}/cancel` answer. */
export const CancelSchema = z
  .object({ id: z.string(), outcome: z.enum(['cancelled', 'requested']) })
  .openapi('CancelResult');

/** The filter of a bulk action (the filters of `GET /jobs`, as JSON). */
export const JobFilterSchema = z
  .object({
    state: z.union([JobStateSchema, z.array(JobStateSchema).min(1).max(7)]).optional(),
    task: Name.optional(),
    queue: Name.optional(),
    createdAfter: DateInputSchema.optional(),
    createdBefore: DateInputSchema.optional(),
    finishedBefore: DateInputSchema.optional(),
    metadata: z.record(z.string().min(1).max(128), z.string().max(1024)).optional(),
    payload: z.record(z.string().min(1).max(128), JsonValue).optional(),
  })
  .strict()
  .openapi('JobFilter');

/** `POST /jobs/bulk` body. */
export const BulkBodySchema = z
  .object({
    action: z.enum(['retry', 'cancel', 'remove']),
    filter: JobFilterSchema,
    all: z.boolean().optional().openapi({ description: 'Required (true) when the filter is empty' }),
    batchSize: z.number().int().min(1).max(1000).optional(),
  })
  .strict()
  .openapi('BulkRequest');

/** `POST /jobs/clean` body. */
export const CleanBodySchema = z
  .object({
    state: z.enum(['completed', 'failed', 'cancelled']),
    olderThan: DurationSchema,
    queue: Name.optional(),
    batchSize: z.number().int().min(1).max(1000).optional(),
  })
  .strict()
  .openapi('CleanRequest');

/** Progress of a bulk action or a clean. */
export const BulkProgressSchema = z
  .object({
    matched: z.number().int(),
    changed: z.number().int(),
    requested: z.number().int(),
    skipped: z.number().int(),
  })
  .openapi('BulkProgress');
