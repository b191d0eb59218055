import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Duration } from './duration.js';
import { InvalidOptionsError } from './errors.js';
import type { JobRecord } from './job.js';
import type { RetryOptions } from './retry.js';
import { parseTaskThrottle, type RateLimit } from './throttle.js';

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
  /**
   * The transaction that marks the job failed, on adapters with
   * `capabilities.failHookInTransaction` (pg-boss: a `pg` client inside `BEGIN`): writes made
   * with it commit with the failure, or roll back with it when the hook throws. Elsewhere
   * undefined: the hook runs after the failure is stored.
   */
  tx?: unknown;
}

/** The options of `defineTask`. */
export interface TaskOptions<Schema extends StandardSchemaV1, Result> {
  /** Unique name, `[A-Za-z0-9._:-]{1,128}`. */
  name: string;
  /** Queue the task's jobs go to, default `'default'`. */
  queue?: string;
  /**
   * Any Standard Schema (zod, valibot, arktype, ...); the payload type is inferred from it.
   * Optional: without one the payload is `unknown`, still JSON-checked and size-capped.
   */
  schema?: Schema;
  /** 0..9, lower runs first; default 5. */
  priority?: number;
  /** Attempts, backoff and which errors to retry. Default: 3 attempts, exponential from 1s. */
  retry?: RetryOptions;
  /** Per-attempt timeout, default `'15m'`. */
  timeout?: Duration;
  /** Optional: a producer-only task has none; a worker then needs `worker.handle(task, fn)`. */
  handler?: TaskHandler<StandardSchemaV1.InferOutput<Schema>, Result>;
  /**
   * Runs once when a job fails permanently. Its own errors are logged; the job stays failed.
   * With `info.tx` (pg-boss) it runs inside the failing transaction; elsewhere after the failure is stored.
   */
  onFailed?: (payload: StandardSchemaV1.InferOutput<Schema>, info: FailureInfo) => Promise<void> | void;
  /**
   * At most `max` starts per `per` across every worker of the cluster; jobs over the limit
   * wait (in priority order) without consuming an attempt. Needs `capabilities.throttle`.
   */
  rateLimit?: RateLimit;
  /**
   * Groups jobs by a key of their payload (as stored, before schema transforms), e.g. a
   * tenant: at most `maxPerKey` of one key run at once, cluster-wide, while other keys proceed.
   * Needs `capabilities.throttle`.
   */
  concurrencyKey?: (payload: StandardSchemaV1.InferOutput<Schema>) => string | number;
  /** Jobs of one `concurrencyKey` running at once; default 1. Only with `concurrencyKey`. */
  maxPerKey?: number;
}

/** A defined task. `Input` is what enqueue accepts, `Payload` what the handler receives. */
export interface TaskDefinition<Input = any, Payload = any, Result = any> {
  readonly name: string;
  readonly queue: string;
  readonly schema: StandardSchemaV1<Input, Payload>;
  /** True when the task was defined without a schema (any JSON payload is accepted). */
  readonly schemaless?: boolean;
  readonly priority: number;
  readonly retry: RetryOptions;
  readonly timeout: Duration;
  readonly handler?: TaskHandler<Payload, Result>;
  readonly onFailed?: (payload: Payload, info: FailureInfo) => Promise<void> | void;
  readonly rateLimit?: RateLimit;
  readonly concurrencyKey?: (payload: Payload) => string | number;
  readonly maxPerKey?: number;
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

/** Accepts any value: the schema of a task defined without one (JSON and size checks still apply). */
const ANY_PAYLOAD: StandardSchemaV1<unknown, unknown> = Object.freeze({
  '~standard': Object.freeze({
    version: 1 as const,
    vendor: 'switchyard',
    validate: (value: unknown) => ({ value }),
  }),
});

/** Defines a typed task. Validates its options now, so mistakes surface at import time. */
export function defineTask<
  Schema extends StandardSchemaV1 = StandardSchemaV1<unknown, unknown>,
  Result = unknown,
>(
  options: TaskOptions<Schema, Result>,
): TaskDefinition<StandardSchemaV1.InferInput<Schema>, StandardSchemaV1.InferOutput<Schema>, Result> {
  assertValidName(options.name, 'task name');
  const queue = options.queue ?? 'default';
  assertValidName(queue, 'queue name');
  const priority = options.priority ?? 5;
  assertValidPriority(priority);
  const schemaless = options.schema === undefined;
  if (
    !schemaless &&
    (!options.schema ||
      (typeof options.schema !== 'object' && typeof options.schema !== 'function') ||
      !('~standard' in options.schema))
  ) {
    throw new InvalidOptionsError(
      `task "${options.name}": schema must be a Standard Schema (zod, valibot, arktype, ...)`,
    );
  }
  // Throws on malformed throttling options now; the worker parses them again (cached) when it runs.
  parseTaskThrottle(options.name, options);
  return Object.freeze({
    name: options.name,
    queue,
    schema: options.schema ?? ANY_PAYLOAD,
    ...(schemaless ? { schemaless: true } : {}),
    priority,
    retry: options.retry ?? {},
    timeout: options.timeout ?? '15m',
    ...(options.handler ? { handler: options.handler } : {}),
    ...(options.onFailed ? { onFailed: options.onFailed } : {}),
    ...(options.rateLimit ? { rateLimit: { ...options.rateLimit } } : {}),
    ...(options.concurrencyKey ? { concurrencyKey: options.concurrencyKey } : {}),
    ...(options.maxPerKey !== undefined ? { maxPerKey: options.maxPerKey } : {}),
  }) as TaskDefinition<StandardSchemaV1.InferInput<Schema>, StandardSchemaV1.InferOutput<Schema>, Result>;
}
