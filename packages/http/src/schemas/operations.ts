/** Schemas of the statistics, workers, tasks, queues, schedules, events and health routes. */
import { z } from '@hono/zod-openapi';
import { JOB_STATES } from '@switchyard/core';
import { DateParam, JobStateSchema, Name, NameListParam } from './common.js';

const IsoDate = z.string().openapi({ format: 'date-time' });
const JsonValue = z.any().openapi({ description: 'Any JSON value' });

/** Count of jobs per state. */
export const CountsSchema = z
  .object(Object.fromEntries(JOB_STATES.map((state) => [state, z.number().int()])))
  .openapi('JobCounts');

/** `GET /stats`. */
export const StatsSummarySchema = z
  .object({
    at: IsoDate,
    queues: z.array(
      z.object({
        queue: z.string(),
        counts: CountsSchema,
        oldestPendingAgeMs: z.number().nullable(),
        paused: z.boolean(),
        workers: z.number().int(),
        jobsPerMinute: z.number(),
      }),
    ),
    totals: z.object({ counts: CountsSchema, workers: z.number().int(), jobsPerMinute: z.number() }),
  })
  .openapi('StatsSummary');

/** `GET /stats/history` query. Defaults: bucket 1m, the last hour (1m) or the last day (1h). */
export const HistoryQuerySchema = z
  .object({
    from: DateParam.optional(),
    to: DateParam.optional(),
    bucket: z.enum(['1m', '1h']).optional(),
    queue: Name.optional(),
    task: Name.optional(),
  })
  .strict();

/** `GET /stats/history`. */
export const HistorySchema = z
  .object({
    bucket: z.enum(['1m', '1h']),
    from: IsoDate,
    to: IsoDate,
    points: z.array(
      z.object({
        at: IsoDate,
        completed: z.number().int(),
        failed: z.number().int(),
        retried: z.number().int(),
        durationP50Ms: z.number().nullable(),
        durationP95Ms: z.number().nullable(),
      }),
    ),
  })
  .openapi('History');

/** One live worker. */
export const WorkerSchema = z
  .object({
    id: z.string(),
    hostname: z.string(),
    pid: z.number().int(),
    queues: z.array(z.string()),
    concurrency: z.number().int(),
    runningJobIds: z.array(z.string()),
    startedAt: IsoDate,
    lastSeenAt: IsoDate,
    expiresAt: IsoDate,
    version: z.string(),
    adapter: z.string(),
  })
  .openapi('Worker');

/** The caller, as the authenticator named it. */
export const PrincipalSchema = z
  .object({ name: z.string(), role: z.enum(['viewer', 'operator', 'admin']) })
  .openapi('Principal');

/** One registered task. */
export const TaskSchema = z
  .object({
    name: z.string(),
    queue: z.string(),
    priority: z.number().int(),
    attempts: z.number().int().nullable(),
    backoff: z.union([z.literal('function'), z.record(z.string(), JsonValue)]),
    timeoutMs: z.number(),
    hasHandler: z.boolean(),
    payloadSchema: z.record(z.string(), JsonValue).nullable().openapi({
      description: 'JSON Schema (draft 2020-12) of the payload, or null',
    }),
  })
  .openapi('Task');

/** One queue. */
export const QueueSchema = z
  .object({ name: z.string(), paused: z.boolean(), counts: CountsSchema })
  .openapi('Queue');

/** One schedule. */
export const ScheduleSchema = z
  .object({
    key: z.string(),
    task: z.string(),
    queue: z.string(),
    cron: z.string().optional(),
    everyMs: z.number().optional(),
    tz: z.string().optional(),
    payload: JsonValue,
    jobOptions: z.object({
      priority: z.number().int().optional(),
      maxAttempts: z.number().int().nullable().optional(),
      timeoutMs: z.number().optional(),
      metadata: z.record(z.string(), z.string()).optional(),
    }),
    paused: z.boolean(),
    nextRunAt: IsoDate,
    lastRunAt: IsoDate.optional(),
    createdAt: IsoDate,
  })
  .openapi('Schedule');

/** The `{name}` path parameter of queue routes. */
export const QueueParams = z.object({
  name: Name.openapi({ param: { name: 'name', in: 'path' }, example: 'email' }),
});

/** The `{key}` path parameter of schedule routes. */
export const ScheduleParams = z.object({
  key: Name.openapi({ param: { name: 'key', in: 'path' }, example: 'expire-orders' }),
});

/** `GET /events` query. */
export const EventsQuerySchema = z
  .object({
    queue: NameListParam.optional(),
    task: NameListParam.optional(),
    after: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .openapi({ description: 'Resume after this event id (same as the Last-Event-ID header)' }),
  })
  .strict();

/** A job event as sent in the SSE `data` field. */
export const JobEventSchema = z
  .object({
    type: z.enum([
      'enqueued',
      'started',
      'progress',
      'completed',
      'retrying',
      'failed',
      'cancelled',
      'stalled',
    ]),
    id: z.string(),
    jobId: z.string(),
    queue: z.string(),
    task: z.string(),
    state: JobStateSchema,
    attempt: z.number().int(),
    at: IsoDate,
    createdAt: IsoDate,
    progress: JsonValue.optional(),
    error: z.object({ name: z.string(), message: z.string() }).optional(),
    runAt: IsoDate.optional(),
    durationMs: z.number().optional(),
    retry: z.boolean().optional(),
    workerId: z.string().optional(),
  })
  .openapi('JobEvent');

/** `GET /health`. */
export const HealthSchema = z.object({ status: z.enum(['ok', 'unavailable']) }).openapi('Health');
