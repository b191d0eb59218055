/**
 * Retry policy: how many attempts a job gets, how long to wait between them,
 * and whether a failed attempt is retried at all. Pure functions only — the
 * worker supplies the clock and randomness, adapters only carry out "run again at T".
 */
import { type Duration, parseDuration } from './duration.js';
import { InvalidOptionsError, SwitchyardError } from './errors.js';
import type { BackoffSpec, JitterMode } from './job.js';

/** Computes the delay before the next attempt from the failed attempt's number (1-based) and its error. */
export type BackoffFunction = (attempt: number, error: Error) => Duration;

/** Every way a user may describe backoff on a task or a job. */
export type BackoffOption =
  | 'fixed'
  | 'exponential'
  | { type: 'fixed'; delay: Duration; jitter?: JitterMode }
  | { type: 'exponential'; delay: Duration; factor?: number; max?: Duration; jitter?: JitterMode }
  /** A list like `['1m', '2m', '4m']`; the last entry repeats. */
  | Duration[]
  /** `'1m,2m,4m'` is a list; a single duration like `'5s'` means fixed 5s. */
  | string
  | BackoffFunction;

/** Retry options of a task or a single job. */
export interface RetryOptions {
  /** Total runs including the first; a positive integer or `'unlimited'`. Default 3. */
  attempts?: number | 'unlimited';
  /** How long to wait between attempts. Default: exponential from 1s, factor 2, capped at 1h. */
  backoff?: BackoffOption;
  /** Return `false` to fail the job instead of retrying this error. */
  retryOn?: (error: Error) => boolean;
}

/** Total attempts when a task sets none. */
export const DEFAULT_ATTEMPTS = 3;

/** Backoff when a task sets none: 1s, 2s, 4s, ... capped at 1h, no jitter. */
export const DEFAULT_BACKOFF: BackoffSpec = Object.freeze({
  type: 'exponential',
  delay: 1000,
  factor: 2,
  max: 3_600_000,
  jitter: 'none',
});

/** Delay of the bare `'fixed'` option. */
const DEFAULT_FIXED_DELAY_MS = 1000;

/**
 * Ceiling for an exponential backoff without `max`: with unlimited attempts the
 * raw value reaches Infinity, which is no valid "run at" time.
 */
const UNCAPPED_LIMIT_MS = 365 * 86_400_000;

const JITTER_MODES: readonly JitterMode[] = ['none', 'full', 'equal'];

/**
 * Normalizes `attempts`: `'unlimited'` becomes `null`, a positive integer stays,
 * `undefined` becomes {@link DEFAULT_ATTEMPTS}; anything else throws `InvalidOptionsError`.
 */
export function normalizeAttempts(attempts: number | 'unlimited' | undefined): number | null {
  if (attempts === undefined) return DEFAULT_ATTEMPTS;
  if (attempts === 'unlimited') return null;
  if (typeof attempts === 'number' && Number.isInteger(attempts) && attempts >= 1) return attempts;
  throw new InvalidOptionsError(
    `attempts must be a positive integer or 'unlimited'; got ${JSON.stringify(attempts) ?? String(attempts)}`,
  );
}

/**
 * Parses every backoff form into a JSON {@link BackoffSpec} (durations become ms),
 * or returns a {@link BackoffFunction} unchanged. `'fixed'` alone is fixed 1s,
 * `'exponential'` alone and `undefined` are {@link DEFAULT_BACKOFF}. A stored
 * `BackoffSpec` (including `type: 'list'`) is accepted too, so normalizing is idempotent.
 * Throws `InvalidOptionsError` for a factor below 1, negative delays, an empty list or an unknown jitter.
 */
export function normalizeBackoff(
  option: BackoffOption | BackoffSpec | undefined,
): BackoffSpec | BackoffFunction {
  if (option === undefined || option === 'exponential') return { ...DEFAULT_BACKOFF };
  if (option === 'fixed') return { type: 'fixed', delay: DEFAULT_FIXED_DELAY_MS, jitter: 'none' };
  if (typeof option === 'function') return option;
  if (typeof option === 'string') return parseBackoffString(option);
  if (Array.isArray(option)) return listSpec(option, 'none');
  if (typeof option === 'object' && option !== null) return parseBackoffObject(option);
  throw new InvalidOptionsError(
    `backoff must be 'fixed', 'exponential', an object, a list or a function; got ${String(option)}`,
  );
}

function parseBackoffString(text: string): BackoffSpec {
  if (text.includes(',')) return listSpec(text.split(','), 'none');
  return { type: 'fixed', delay: parseDuration(text, 'backoff'), jitter: 'none' };
}

function listSpec(entries: readonly unknown[], jitter: JitterMode): BackoffSpec {
  if (entries.length === 0) throw new InvalidOptionsError('backoff list must not be empty');
  const delays = entries.map((entry, index) => {
    const duration = typeof entry === 'string' ? entry.trim() : entry;
    return parseDuration(duration as Duration, `backoff list entry ${index}`);
  });
  return { type: 'list', delays, jitter };
}

function parseBackoffObject(option: object): BackoffSpec {
  const spec = option as Record<string, unknown>;
  const jitter = parseJitter(spec.jitter);
  switch (spec.type) {
    case 'fixed':
      return { type: 'fixed', delay: parseDuration(spec.delay as Duration, 'backoff delay'), jitter };
    case 'exponential': {
      const factor = spec.factor ?? 2;
      if (typeof factor !== 'number' || !Number.isFinite(factor) || factor < 1) {
        throw new InvalidOptionsError(`backoff factor must be a finite number >= 1; got ${String(factor)}`);
      }
      const result: BackoffSpec = {
        type: 'exponential',
        delay: parseDuration(spec.delay as Duration, 'backoff delay'),
        factor,
        jitter,
      };
      if (spec.max !== undefined) result.max = parseDuration(spec.max as Duration, 'backoff max');
      return result;
    }
    case 'list':
      if (!Array.isArray(spec.delays)) throw new InvalidOptionsError('backoff list needs a `delays` array');
      return listSpec(spec.delays, jitter);
    default:
      throw new InvalidOptionsError(
        `backoff type must be 'fixed', 'exponential' or 'list'; got ${JSON.stringify(spec.type) ?? 'undefined'}`,
      );
  }
}

function parseJitter(jitter: unknown): JitterMode {
  if (jitter === undefined) return 'none';
  if (JITTER_MODES.includes(jitter as JitterMode)) return jitter as JitterMode;
  throw new InvalidOptionsError(
    `backoff jitter must be one of ${JITTER_MODES.join('|')}; got ${String(jitter)}`,
  );
}

/**
 * Delay in ms before the next attempt, after attempt `attempt` (1-based) failed.
 * Exponential: `delay * factor^(attempt-1)` capped at `max`; list: `delays[min(attempt-1, len-1)]`;
 * jitter `full` picks `floor(random()*d)`, `equal` picks in `[d/2, d)`; a function's
 * result is parsed as a Duration and not jittered. `random()` returns a number in [0, 1).
 */
export function backoffDelay(
  backoff: BackoffSpec | BackoffFunction,
  attempt: number,
  error: Error,
  random: () => number,
): number {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new InvalidOptionsError(`attempt must be a positive integer; got ${attempt}`);
  }
  if (typeof backoff === 'function') return parseDuration(backoff(attempt, error), 'backoff function result');
  return applyJitter(baseDelay(backoff, attempt), backoff.jitter ?? 'none', random);
}

function baseDelay(spec: BackoffSpec, attempt: number): number {
  switch (spec.type) {
    case 'fixed':
      return spec.delay;
    case 'exponential': {
      const raw = spec.delay * (spec.factor ?? 2) ** (attempt - 1);
      return Math.round(Math.min(raw, spec.max ?? UNCAPPED_LIMIT_MS));
    }
    case 'list':
      return spec.delays[Math.min(attempt - 1, spec.delays.length - 1)]!;
  }
}

function applyJitter(delay: number, jitter: JitterMode, random: () => number): number {
  switch (jitter) {
    case 'none':
      return delay;
    case 'full':
      return Math.floor(random() * delay);
    case 'equal': {
      // Half is fixed so retries never bunch up at zero; the other half is random.
      const half = Math.floor(delay / 2);
      return half + Math.floor(random() * (delay - half));
    }
  }
}

/** What to do after a failed attempt. */
export type RetryDecision =
  | { action: 'retry'; delayMs: number }
  | { action: 'fail'; reason: 'exhausted' | 'non-retryable' | 'retry-on' };

/**
 * Decides retry or fail after attempt `attempt` (1-based) threw `error`. In order:
 * `NonRetryableError` fails ('non-retryable'); no attempts left fails ('exhausted');
 * `RetryAfterError` (and `RateLimitedError` where the adapter cannot throttle) retries after
 * exactly its delay without consulting `retryOn`;
 * `retryOn(error) === false` fails ('retry-on'); otherwise retry after {@link backoffDelay}.
 * Throws `InvalidOptionsError` when a `RetryAfterError` carries a malformed delay.
 */
export function decideRetry(input: {
  attempt: number;
  maxAttempts: number | null;
  error: Error;
  backoff: BackoffSpec | BackoffFunction;
  retryOn?: (error: Error) => boolean;
  random: () => number;
}): RetryDecision {
  const { attempt, maxAttempts, error, backoff, retryOn, random } = input;
  if (SwitchyardError.hasCode(error, 'NON_RETRYABLE')) return { action: 'fail', reason: 'non-retryable' };
  if (maxAttempts !== null && attempt >= maxAttempts) return { action: 'fail', reason: 'exhausted' };
  // A RateLimitedError reaches here only on an adapter without throttling: it then acts as RetryAfterError.
  if (SwitchyardError.hasCode(error, 'RETRY_AFTER') || SwitchyardError.hasCode(error, 'RATE_LIMITED')) {
    const delay = (error as SwitchyardError & { delay?: Duration }).delay;
    return { action: 'retry', delayMs: parseDuration(delay as Duration, `${error.name} delay`) };
  }
  if (retryOn?.(error) === false) return { action: 'fail', reason: 'retry-on' };
  return { action: 'retry', delayMs: backoffDelay(backoff, attempt, error, random) };
}
