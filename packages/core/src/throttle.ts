/**
 * Throttling policy: what `rateLimit`, `concurrencyKey` and `maxPerKey` mean, checked
 * once when a task (or a queue limit) is defined, and the keys the backend's throttle
 * store counts under. Pure: the atomic counting lives in each adapter (`ThrottleStore`),
 * the admission of a leased job in `throttle-gate.ts`.
 */
import { type Duration, parseDuration } from './duration.js';
import { InvalidOptionsError } from './errors.js';

/** At most `max` starts per `per`, across every worker of the cluster. */
export interface RateLimit {
  /** Starts allowed per window, a positive integer. */
  max: number;
  /** The window: ms or a duration string (`'1s'`, `'1m'`). */
  per: Duration;
}

/** A rate limit in ms, as the throttle store takes it. */
export interface RateWindow {
  max: number;
  windowMs: number;
}

/** What a task's options say about throttling, validated. */
export interface TaskThrottle {
  rate?: RateWindow;
  /** At most `maxPerKey` jobs running at once per value of `keyOf(payload)`. */
  perKey?: { keyOf: (payload: unknown) => string | number; maxPerKey: number };
}

/** Longest concurrency key value (it becomes part of a backend key). */
const MAX_KEY_LENGTH = 256;

/** Validates a rate limit; throws `InvalidOptionsError` naming `what`. */
export function parseRateLimit(value: unknown, what: string): RateWindow {
  if (typeof value !== 'object' || value === null) {
    throw new InvalidOptionsError(`${what} must be { max, per }, got ${JSON.stringify(value)}`);
  }
  const { max, per } = value as Partial<RateLimit>;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) {
    throw new InvalidOptionsError(`${what}.max must be a positive integer, got ${JSON.stringify(max)}`);
  }
  const windowMs = parseDuration(per as Duration, `${what}.per`);
  if (windowMs < 1) throw new InvalidOptionsError(`${what}.per must be at least 1 ms`);
  return { max, windowMs };
}

/** Validates a task's throttling options; undefined when it has none. */
export function parseTaskThrottle(
  task: string,
  options: { rateLimit?: unknown; concurrencyKey?: unknown; maxPerKey?: unknown },
): TaskThrottle | undefined {
  const { rateLimit, concurrencyKey, maxPerKey } = options;
  const throttle: TaskThrottle = {};
  if (rateLimit !== undefined) throttle.rate = parseRateLimit(rateLimit, `task "${task}": rateLimit`);
  if (concurrencyKey !== undefined && typeof concurrencyKey !== 'function') {
    throw new InvalidOptionsError(`task "${task}": concurrencyKey must be a function of the payload`);
  }
  if (maxPerKey !== undefined && concurrencyKey === undefined) {
    throw new InvalidOptionsError(`task "${task}": maxPerKey needs a concurrencyKey`);
  }
  if (concurrencyKey !== undefined) {
    const max = maxPerKey ?? 1;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) {
      throw new InvalidOptionsError(
        `task "${task}": maxPerKey must be a positive integer, got ${JSON.stringify(maxPerKey)}`,
      );
    }
    throttle.perKey = { keyOf: concurrencyKey as (payload: unknown) => string | number, maxPerKey: max };
  }
  return throttle.rate || throttle.perKey ? throttle : undefined;
}

/** Validates the yard's per-queue rate limits. */
export function parseQueueRateLimits(limits: unknown): Map<string, RateWindow> {
  const parsed = new Map<string, RateWindow>();
  if (limits === undefined) return parsed;
  if (typeof limits !== 'object' || limits === null) {
    throw new InvalidOptionsError('queueRateLimits must map queue names to { max, per }');
  }
  for (const [queue, limit] of Object.entries(limits)) {
    parsed.set(queue, parseRateLimit(limit, `queueRateLimits["${queue}"]`));
  }
  return parsed;
}

/** The key a task's rate limit counts under. */
export function taskRateKey(task: string): string {
  return `rate:task:${task}`;
}

/** The key a queue's rate limit counts under. */
export function queueRateKey(queue: string): string {
  return `rate:queue:${queue}`;
}

/**
 * The key a job's per-key slots count under: the task's name and the value its
 * `concurrencyKey` returned. Throws `InvalidOptionsError` for a value that is not a
 * non-empty string (at most 256 characters) or a finite number.
 */
export function slotKey(task: string, value: unknown): string {
  const valid =
    (typeof value === 'string' && value.length > 0 && value.length <= MAX_KEY_LENGTH) ||
    (typeof value === 'number' && Number.isFinite(value));
  if (!valid) {
    throw new InvalidOptionsError(
      `task "${task}": concurrencyKey must return a non-empty string (at most ${MAX_KEY_LENGTH} characters) or a finite number, got ${JSON.stringify(value)}`,
    );
  }
  return `slots:${task}:${String(value)}`;
}
