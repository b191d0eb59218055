/**
 * Building blocks of the request and response schemas. The same zod schemas validate
 * requests and generate the OpenAPI document, so the document cannot drift from what
 * the server accepts.
 */
import { z } from '@hono/zod-openapi';
import { JOB_STATES, type JobState } from '@switchyard/core';

/** Task, queue and schedule-key syntax (core's `assertValidName`). */
export const NAME_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
/** Job ids are UUIDs (core assigns them). */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Names the HTTP API refuses although core allows them: `.` and `..` cannot be addressed in a URL path. */
export const DOT_SEGMENT = /^\.{1,2}$/;

/** A task or queue name (core's syntax, minus the dot segments `.` and `..`). */
export const Name = z
  .string()
  .regex(NAME_PATTERN, 'must match [A-Za-z0-9._:-]{1,128}')
  .refine((name) => !DOT_SEGMENT.test(name), { message: 'must not be "." or ".."' })
  .openapi({ example: 'send-welcome-email' });

/** A job state. */
export const JobStateSchema = z.enum(JOB_STATES as [JobState, ...JobState[]]).openapi('JobState');

/** A duration: milliseconds, or a string such as `250ms`, `30s`, `5m`, `2h`, `1d`. */
export const DurationSchema = z
  .union([z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), z.string().min(1).max(32)])
  .openapi({ description: 'Milliseconds, or a string such as 250ms, 30s, 5m, 2h, 1d', example: '5m' });

/** A time in a query string: ISO 8601 or epoch milliseconds. */
export const DateParam = z
  .string()
  .max(40)
  .refine((value) => (/^\d{1,15}$/.test(value) ? true : !Number.isNaN(Date.parse(value))), {
    message: 'must be an ISO 8601 date-time or epoch milliseconds',
  })
  .transform((value) => (/^\d{1,15}$/.test(value) ? Number(value) : value))
  .openapi({
    type: 'string',
    description: 'ISO 8601 date-time or epoch milliseconds',
    example: '2026-01-31T12:00:00Z',
  });

/** A time in a JSON body: ISO 8601 string or epoch milliseconds. */
export const DateInputSchema = z
  .union([
    z
      .string()
      .max(40)
      .refine((value) => !Number.isNaN(Date.parse(value)), { message: 'must be an ISO 8601 date-time' }),
    z.number().int().min(0).max(8.64e15),
  ])
  .openapi({ description: 'ISO 8601 date-time or epoch milliseconds' });

/** A JSON object passed in one query parameter (URL-encoded JSON), at most 4 KiB. */
export function jsonObjectParam(description: string) {
  return z
    .string()
    .max(4096)
    .transform((text, ctx) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a URL-encoded JSON object' });
        return z.NEVER;
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON object' });
        return z.NEVER;
      }
      return parsed as Record<string, unknown>;
    })
    .openapi({ type: 'string', description, example: '{"tenant":"acme"}' });
}

/** A comma-separated (or repeated) list of states in a query string. */
export const StateListParam = z
  .union([z.string().max(200), z.array(z.string().max(200)).max(7)])
  .transform((value, ctx) => {
    const parts = (Array.isArray(value) ? value : [value]).flatMap((item) => item.split(','));
    for (const part of parts) {
      if (!JOB_STATES.includes(part as JobState)) {
        ctx.addIssue({
          code: 'custom',
          message: `unknown state "${part}" (known: ${JOB_STATES.join(', ')})`,
        });
        return z.NEVER;
      }
    }
    return [...new Set(parts)] as JobState[];
  })
  .openapi({
    description: `One or more of ${JOB_STATES.join(', ')}, comma-separated or repeated`,
    example: 'failed,cancelled',
  });

/** A list of names in a query string (comma-separated or repeated). */
export const NameListParam = z
  .union([z.string().max(2600), z.array(z.string().max(2600)).max(20)])
  .transform((value, ctx) => {
    const parts = (Array.isArray(value) ? value : [value]).flatMap((item) => item.split(','));
    if (parts.length > 20) {
      ctx.addIssue({ code: 'custom', message: 'at most 20 names' });
      return z.NEVER;
    }
    for (const part of parts) {
      if (!NAME_PATTERN.test(part) || DOT_SEGMENT.test(part)) {
        ctx.addIssue({ code: 'custom', message: `"${part}" must match [A-Za-z0-9._:-]{1,128}` });
        return z.NEVER;
      }
    }
    return [...new Set(parts)];
  })
  .openapi({ description: 'Names, comma-separated or repeated', example: 'email,default' });

/** An RFC 9457 problem. */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string().openapi({ example: 'DUPLICATE_JOB' }),
    detail: z.string().optional(),
    existingJobId: z.string().optional(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    retryAfter: z.number().int().optional(),
  })
  .openapi('Problem');

/** The problem responses every route may give. */
export function problems(...statuses: number[]) {
  const descriptions: Record<number, string> = {
    400: 'The request is malformed (INVALID_REQUEST, INVALID_OPTIONS)',
    401: 'No valid credentials (UNAUTHENTICATED)',
    403: 'The role does not allow this (FORBIDDEN)',
    404: 'No such job, schedule or route (NOT_FOUND)',
    409: 'Conflict (DUPLICATE_JOB with existingJobId, JOB_STATE_CONFLICT)',
    413: 'Body or payload too large (BODY_TOO_LARGE, PAYLOAD_TOO_LARGE)',
    415: 'Body is not application/json (UNSUPPORTED_MEDIA_TYPE)',
    422: 'Payload failed the task schema, or unknown task (VALIDATION_FAILED, UNKNOWN_TASK)',
    429: 'Rate limited (RATE_LIMITED); see Retry-After',
    501: 'The backend adapter cannot do this (CAPABILITY_UNSUPPORTED)',
    503: 'The backend is unavailable (ADAPTER_ERROR)',
  };
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: descriptions[status] ?? 'Error',
        content: { 'application/problem+json': { schema: ProblemSchema } },
      },
    ]),
  );
}
