/**
 * Turns `schedules.upsert(input)` into a stored `ScheduleRecord`: timing and
 * payload checked the same way enqueue checks them, the first tick computed.
 */
import type { ScheduleInput } from './api.js';
import { assertValidCron, nextScheduleTick } from './cron.js';
import { parseDuration } from './duration.js';
import { InvalidOptionsError } from './errors.js';
import type { ScheduleRecord } from './job.js';
import { buildJobFromValidPayload, type JobBuildContext } from './job-builder.js';
import { assertValidName, type TaskDefinition } from './task.js';
import { validateWithSchema } from './validation.js';

/** Builds the record to store for `input` (its task already resolved). */
export async function scheduleRecordOf(
  input: ScheduleInput,
  task: TaskDefinition,
  context: JobBuildContext,
): Promise<ScheduleRecord> {
  assertValidName(input.key, 'schedule key');
  if ((input.cron === undefined) === (input.every === undefined)) {
    throw new InvalidOptionsError(`schedule "${input.key}": give exactly one of cron or every`);
  }
  const tz = input.tz ?? 'UTC';
  const everyMs = input.every === undefined ? undefined : parseDuration(input.every, 'every');
  if (everyMs !== undefined && everyMs < 1000) {
    throw new InvalidOptionsError(`schedule "${input.key}": every must be at least 1s`);
  }
  if (input.cron !== undefined) assertValidCron(input.cron, tz);
  const payload = input.payload ?? {};
  await validateWithSchema(task.schema, payload, `payload of schedule "${input.key}"`);
  // Build a job once to check payload, priority, queue and metadata the same way enqueue does.
  const probe = buildJobFromValidPayload(
    task,
    payload,
    {
      ...(input.queue !== undefined ? { queue: input.queue } : {}),
      ...(input.priority !== undefined ? { priority: input.priority } : {}),
      ...(input.metadata !== undefined ? { metadata: input.metadata } : {}),
    },
    context,
  );
  const now = new Date(context.now);
  const timing = input.cron !== undefined ? { cron: input.cron, tz } : { everyMs };
  return {
    key: input.key,
    task: task.name,
    queue: probe.queue,
    ...timing,
    payload,
    jobOptions: {
      ...(input.priority !== undefined ? { priority: probe.priority } : {}),
      ...(input.metadata !== undefined ? { metadata: probe.metadata } : {}),
    },
    paused: false,
    nextRunAt: nextScheduleTick(timing, now),
    createdAt: now,
  };
}

/**
 * Re-upserting the same timing (every worker does it at boot) keeps the stored
 * pending tick, pause flag and history; a changed timing starts afresh.
 */
export function keepStoredProgress(
  schedule: ScheduleRecord,
  existing: ScheduleRecord | null,
): ScheduleRecord {
  const sameTiming =
    existing !== null &&
    existing.cron === schedule.cron &&
    existing.everyMs === schedule.everyMs &&
    (existing.tz ?? 'UTC') === (schedule.tz ?? 'UTC');
  if (!sameTiming) return schedule;
  return {
    ...schedule,
    nextRunAt: existing.nextRunAt,
    paused: existing.paused,
    createdAt: existing.createdAt,
    ...(existing.lastRunAt ? { lastRunAt: existing.lastRunAt } : {}),
  };
}
