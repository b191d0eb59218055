/**
 * Turns `enqueue(task, payload, options)` into a `NewJob`: every option checked,
 * the payload validated, JSON-checked and size-checked. Pure apart from the
 * schema call; nothing is written here.
 */
import type { AdapterCapabilities } from './adapter.js';
import type { EnqueueOptions } from './api.js';
import { parseDuration } from './duration.js';
import { CapabilityError, InvalidOptionsError } from './errors.js';
import type { NewJob } from './job.js';
import { assertJson, assertPayloadSize } from './json.js';
import { normalizeAttempts, normalizeBackoff } from './retry.js';
import { assertValidName, assertValidPriority, type TaskDefinition } from './task.js';
import { validateWithSchema } from './validation.js';

/** What the builder needs to know about the yard. */
export interface JobBuildContext {
  adapterName: string;
  capabilities: AdapterCapabilities;
  maxPayloadBytes: number;
  now: number;
  newId: (now: number) => string;
}

const MAX_UNIQUE_KEY_LENGTH = 512;

/** Validates the payload against the task's schema and JSON rules, then builds the job. */
export async function buildJob(
  task: TaskDefinition,
  payload: unknown,
  options: EnqueueOptions,
  context: JobBuildContext,
): Promise<NewJob> {
  await validateWithSchema(task.schema, payload, `payload of task "${task.name}"`);
  return buildJobFromValidPayload(task, payload, options, context);
}

/** Like `buildJob` for a payload whose schema check already passed (enqueueMany, schedules). */
export function buildJobFromValidPayload(
  task: TaskDefinition,
  payload: unknown,
  options: EnqueueOptions,
  context: JobBuildContext,
  id?: string,
): NewJob {
  assertJson(payload, `payload of task "${task.name}"`);
  assertPayloadSize(payload, Math.min(context.maxPayloadBytes, context.capabilities.maxPayloadBytes));
  checkCapabilities(options, context);

  const queue = options.queue ?? task.queue;
  assertValidName(queue, 'queue name');
  const priority = options.priority ?? task.priority;
  assertValidPriority(priority);

  const job: NewJob = {
    id: id ?? context.newId(context.now),
    task: task.name,
    queue,
    payload,
    priority,
    createdAt: new Date(context.now),
    runAt: new Date(runAtMs(options, context.now)),
    maxAttempts: normalizeAttempts(options.retry?.attempts ?? task.retry.attempts),
    metadata: checkMetadata(options.metadata),
  };
  if (options.retry?.backoff !== undefined) {
    const backoff = normalizeBackoff(options.retry.backoff);
    if (typeof backoff === 'function') {
      throw new InvalidOptionsError(
        'a backoff function can only be set on the task definition, not per enqueue',
      );
    }
    job.backoff = backoff;
  }
  if (options.timeout !== undefined) job.timeoutMs = parseDuration(options.timeout, 'timeout');
  if (options.uniqueKey !== undefined) job.uniqueKey = checkUniqueKey(options.uniqueKey);
  return job;
}

function runAtMs(options: EnqueueOptions, now: number): number {
  if (options.runAt !== undefined && options.delay !== undefined) {
    throw new InvalidOptionsError('pass either delay or runAt, not both');
  }
  if (options.runAt !== undefined) {
    if (!(options.runAt instanceof Date) || Number.isNaN(options.runAt.getTime())) {
      throw new InvalidOptionsError('runAt must be a valid Date');
    }
    return Math.max(now, options.runAt.getTime());
  }
  return now + (options.delay === undefined ? 0 : parseDuration(options.delay, 'delay'));
}

function checkCapabilities(options: EnqueueOptions, context: JobBuildContext): void {
  const { capabilities, adapterName } = context;
  if (options.tx !== undefined && !capabilities.transactionalEnqueue) {
    throw new CapabilityError(adapterName, 'transactionalEnqueue', 'this adapter cannot join a transaction');
  }
  const delayMs = runAtMs(options, context.now) - context.now;
  if (delayMs > capabilities.maxDelayMs) {
    throw new CapabilityError(
      adapterName,
      'maxDelayMs',
      `a delay of ${delayMs} ms is longer than the ${capabilities.maxDelayMs} ms this adapter supports`,
    );
  }
}

function checkUniqueKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_UNIQUE_KEY_LENGTH) {
    throw new InvalidOptionsError(
      `uniqueKey must be a non-empty string of at most ${MAX_UNIQUE_KEY_LENGTH} characters`,
    );
  }
  return key;
}

function checkMetadata(metadata: unknown): Record<string, string> {
  if (metadata === undefined) return {};
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new InvalidOptionsError('metadata must be an object of strings');
  }
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') throw new InvalidOptionsError(`metadata.${key} must be a string`);
  }
  return { ...(metadata as Record<string, string>) };
}

/** The record an adapter would report right after storing `job` (for `job:enqueued`). */
export function recordOfNewJob(job: NewJob, now: number): import('./job.js').JobRecord {
  return { ...job, state: job.runAt.getTime() > now ? 'scheduled' : 'pending', attempt: 0 };
}
