import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Duration } from './duration.js';
import { InvalidOptionsError } from './errors.js';
import type { JobRecord } from './job.js';
import type { RetryOptions } from './retry.js';

/** What a handler receives besides its payload. */
export interface JobContext {
  /** The job as stored when this attempt started. */
  job: JobRecord;
  /** This attempt's number, 1-based. */
  attempt: number;
  /** Aborts on timeout (`JobTimeoutError`), cancel (`JobCancelledError`), lost lease or forced shutdown. */
  signal: AbortSignal;
  /** Stores progress (any JSON) and emits `job:progress`. */
  progress(value: unknown): Promise<void>;
  /** A logger whose lines carry job id, task, queue and attempt. */
  logger: import('./logger.js').Logger;
}

/** A task handler: typed payload in, JSON result out. */
export type TaskHandler<Payload, Result> = (payload: Payload, ctx: JobContext) => Promise<Result> | Result;

/** What `onFailed` receives, once, on permanent failure. */
export interface FailureInfo {
  error: Error;
  job: JobRecord;
}

/** The options of `defineTask`. */
export interface TaskOptions<Schema extends StandardSchemaV1, Result> {
  /** Unique name, `[A-Za-z0-9._:-]{1,128}`. */
  name: string;
  /** Queue the task's jobs go to, default `'default'`. */
  queue?: string;
  /** Any Standard Schema (zod, valibot, arktype, ...). The payload type is inferred from it. */
  schema: Schema;
  /** 0..9, lower runs first; default 5. */
  priority?: number;
  /** Attempts, backoff and which errors to retry. Default: 3 attempts, exponential from 1s. */
  retry?: RetryOptions;
  /** Per-attempt timeout, default `'15m'`. */
  timeout?: Duration;
  /** Optional: a producer-only task has none; a worker then needs `worker.handle(task, fn)`. */
  handler?: TaskHandler<StandardSchemaV1.InferOutput<Schema>, Result>;
  /** Runs once when a job fails permanently. Its own errors are logged; the job stays failed. */
  onFailed?: (payload: StandardSchemaV1.InferOutput<Schema>, info: FailureInfo) => Promise<void> | void;
}

/** A defined task. `Input` is what enqueue accepts, `Payload` what the handler receives. */
export interface TaskDefinition<Input = any, Payload = any, Result = any> {
  readonly name: string;
  readonly queue: string;
  readonly schema: StandardSchemaV1<Input, Payload>;
  readonly priority: number;
  readonly retry: RetryOptions;
  readonly timeout: Duration;
  readonly handler?: TaskHandler<Payload, Result>;
  readonly onFailed?: (payload: Payload, info: FailureInfo) => Promise<void> | void;
}

/** Payload type accepted by `enqueue` for a task. */
export type TaskInput<T> = T extends TaskDefinition<infer I, any, any> ? I : never;
/** Result type of a task. */
export type TaskResult<T> = T extends TaskDefinition<any, any, infer R> ? R : never;

const NAME_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** Checks a task or queue name. */
export function assertValidName(name: unknown, what: string): asserts name is string {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw new InvalidOptionsError(`${what} must match [A-Za-z0-9._:-]{1,128}, got ${JSON.stringify(name)}`);
  }
}

/** Checks a priority (0..9 integer). */
export function assertValidPriority(priority: unknown): asserts priority is number {
  if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 0 || priority > 9) {
    throw new InvalidOptionsError(`priority must be an integer 0..9, got ${JSON.stringify(priority)}`);
  }
}

/** Defines a typed task. Validates its options now, so mistakes surface at import time. */
export function defineTask<Schema extends StandardSchemaV1, Result = unknown>(
  options: TaskOptions<Schema, Result>,
): TaskDefinition<StandardSchemaV1.InferInput<Schema>, StandardSchemaV1.InferOutput<Schema>, Result> {
  assertValidName(options.name, 'task name');
  const queue = options.queue ?? 'default';
  assertValidName(queue, 'queue name');
  const priority = options.priority ?? 5;
  assertValidPriority(priority);
  if (!options.schema || typeof options.schema !== 'object' || !('~standard' in options.schema)) {
    throw new InvalidOptionsError(
      `task "${options.name}": schema must be a Standard Schema (zod, valibot, arktype, ...)`,
    );
  }
  return Object.freeze({
    name: options.name,
    queue,
    schema: options.schema,
    priority,
    retry: options.retry ?? {},
    timeout: options.timeout ?? '15m',
    ...(options.handler ? { handler: options.handler } : {}),
    ...(options.onFailed ? { onFailed: options.onFailed } : {}),
  }) as TaskDefinition<StandardSchemaV1.InferInput<Schema>, StandardSchemaV1.InferOutput<Schema>, Result>;
}
