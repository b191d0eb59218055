/** Core records to their JSON shapes (dates as ISO strings), and what each caller may see of a job. */
import type { JobRecord } from '@switchyard/core';
import type { Redactor } from './redact.js';
import type { Role } from './roles.js';
import type { JobJson } from './wire.js';

/** A job as JSON. `withStack: false` drops the error's stack trace. */
export function jobToJson(job: JobRecord, withStack: boolean): JobJson {
  const json: JobJson = {
    id: job.id,
    task: job.task,
    queue: job.queue,
    state: job.state,
    payload: job.payload,
    priority: job.priority,
    attempt: job.attempt,
    maxAttempts: job.maxAttempts,
    createdAt: job.createdAt.toISOString(),
    runAt: job.runAt.toISOString(),
    metadata: job.metadata,
  };
  if (job.startedAt) json.startedAt = job.startedAt.toISOString();
  if (job.finishedAt) json.finishedAt = job.finishedAt.toISOString();
  if (job.result !== undefined) json.result = job.result;
  if (job.error) {
    const { stack, ...rest } = job.error;
    json.error = withStack && stack !== undefined ? { ...rest, stack } : rest;
  }
  if (job.progress !== undefined) json.progress = job.progress;
  if (job.uniqueKey !== undefined) json.uniqueKey = job.uniqueKey;
  if (job.backoff !== undefined) json.backoff = job.backoff;
  if (job.timeoutMs !== undefined) json.timeoutMs = job.timeoutMs;
  if (job.cancelRequested) json.cancelRequested = true;
  return json;
}

/** How a job is shown: full detail, or the list/viewer form (redacted, no stack trace). */
export type JobView = 'detail' | 'list';

/**
 * The job one caller sees. Viewers and list responses get the redacted form without the
 * error's stack trace; operators and admins see a single job whole.
 */
export function visibleJob(
  job: JobRecord,
  role: Role,
  view: JobView,
  redactor: Redactor | undefined,
): JobJson {
  const full = view === 'detail' && role !== 'viewer';
  const json = jobToJson(job, full);
  return full || !redactor ? json : redactor(json);
}

/** Any record with dates as JSON (dates become ISO strings). */
export function plainJson<T>(value: T): unknown {
  return JSON.parse(JSON.stringify(value));
}
