/**
 * Turns `enqueue(task, payload, options)` into `NewJob`s: the options are
 * checked once per call (`prepareJobTemplate`), then each payload is
 * JSON-checked and size-checked (`jobFromTemplate`). Pure apart from the
 * schema call; nothing is written here.
 */
import type { AdapterCapabilities } from './adapter.js';
import type { EnqueueOptions } from './api.js';
import { parseDuration } from './duration.js';
import { CapabilityError, InvalidOptionsError } from './errors.js';
import { isUuid } from './ids.js';
import type { JobRecord, NewJob } from './job.js';
import { assertJsonWithin } from './json.js';
import { normalizeAttempts, normalizeBackoff } from './retry.js';
import { assertValidName, assertValidPriority, type TaskDefinition } from './task.js';
import { validateMaybeSync } from './validation.js';

/** What the builder needs to know about the yard. */
export interface JobBuildContext {
  adapterName: string;
  capabilities: AdapterCapabilities;
  maxPayloadBytes: number;
  now: number;
  newId: (now: number) => string;
}

/** Everything of a job but its id and payload, checked once for a whole enqueue call. */
export interface JobTemplate {
  task: TaskDefinition;
  context: JobBuildContext;
  fields: Omit<NewJob, 'id' | 'payload' | 'metadata' | 'createdAt' | 'runAt'>;
  /** Shared by the jobs of one call: adapters copy what they store and never mutate a NewJob. */
  createdAt: Date;
  runAt: Date;
  metadata: Record<string, string>;
  payloadLimit: number;
  /** `payload of task "..."`, for error messages (built once per call, not per job). */
  payloadWhat: string;
}

const MAX_UNIQUE_KEY_LENGTH = 512;

/** Checks every option of one enqueue call against the task and the adapter's capabilities. */
export function prepareJobTemplate(
  task: TaskDefinition,
  options: EnqueueOptions,
  context: JobBuildContext,
): JobTemplate {
  const runAtMs = checkRunAt(options, context.now);
  checkCapabilities(options, runAtMs - context.now, context);
  const queue = options.queue ?? task.queue;
  assertValidName(queue, 'queue name');
  const priority = options.priority ?? task.priority;
  assertValidPriority(priority);

  const fields: JobTemplate['fields'] = {
    task: task.name,
    queue,
    priority,
    maxAttempts: normalizeAttempts(options.retry?.attempts ?? task.retry.attempts),
  };
  if (options.retry?.backoff !== undefined) {
    const backoff = normalizeBackoff(options.retry.backoff);
    if (typeof backoff === 'function') {
      throw new InvalidOptionsError(
        'a backoff function can only be set on the task definition, not per enqueue',
      );
    }
    fields.backoff = backoff;
  }
  if (options.timeout !== undefined) fields.timeoutMs = parseDuration(options.timeout, 'timeout');
  if (options.uniqueKey !== undefined) fields.uniqueKey = checkUniqueKey(options.uniqueKey);
  return {
    task,
    context,
    fields,
    createdAt: new Date(context.now),
    runAt: new Date(runAtMs),
    metadata: checkMetadata(options.metadata),
    payloadLimit: Math.min(context.maxPayloadBytes, context.capabilities.maxPayloadBytes),
    payloadWhat: `payload of task "${task.name}"`,
  };
}

/** One job of a template: the payload must already have passed the task's schema. */
export function jobFromTemplate(template: JobTemplate, payload: unknown, id?: string): NewJob {
  assertJsonWithin(payload, template.payloadWhat, template.payloadLimit);
  const { fields } = template;
  const job: NewJob = {
    id: id ?? template.context.newId(template.context.now),
    task: fields.task,
    queue: fields.queue,
    payload,
    priority: fields.priority,
    createdAt: template.createdAt,
    runAt: template.runAt,
    maxAttempts: fields.maxAttempts,
    // Shared by the jobs of one call (nobody mutates a NewJob); tracing replaces it per job.
    metadata: template.metadata,
  };
  if (fields.backoff !== undefined) job.backoff = fields.backoff;
  if (fields.timeoutMs !== undefined) job.timeoutMs = fields.timeoutMs;
  if (fields.uniqueKey !== undefined) job.uniqueKey = fields.uniqueKey;
  return job;
}

/** Validates the payload against the task's schema and JSON rules, then builds the job. */
export async function buildJob(
  task: TaskDefinition,
  payload: unknown,
  options: EnqueueOptions,
  context: JobBuildContext,
): Promise<NewJob> {
  const template = prepareJobTemplate(task, options, context);
  const validated = validateMaybeSync(task.schema, payload, template.payloadWhat);
  if (validated instanceof Promise) await validated;
  return jobFromTemplate(template, payload, options.id === undefined ? undefined : checkJobId(options.id));
}

/** A caller-chosen job id (for idempotent retries of an enqueue) must be a UUID. */
function checkJobId(id: unknown): string {
  if (typeof id !== 'string' || !isUuid(id)) {
    throw new InvalidOptionsError(`id must be a UUID (e.g. from newJobId()), got ${JSON.stringify(id)}`);
  }
  return id.toLowerCase();
}

/** Like `buildJob` for a payload whose schema check already passed (schedules). */
export function buildJobFromValidPayload(
  task: TaskDefinition,
  payload: unknown,
  options: EnqueueOptions,
  context: JobBuildContext,
  id?: string,
): NewJob {
  return jobFromTemplate(prepareJobTemplate(task, options, context), payload, id);
}

function checkRunAt(options: EnqueueOptions, now: number): number {
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

function checkCapabilities(options: EnqueueOptions, delayMs: number, context: JobBuildContext): void {
  const { capabilities, adapterName } = context;
  if (options.tx !== undefined && !capabilities.transactionalEnqueue) {
    throw new CapabilityError(adapterName, 'transactionalEnqueue', 'this adapter cannot join a transaction');
  }
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
export function recordOfNewJob(job: NewJob, now: number): JobRecord {
  return {
    ...job,
    metadata: { ...job.metadata },
    state: job.runAt.getTime() > now ? 'scheduled' : 'pending',
    attempt: 0,
  };
}
