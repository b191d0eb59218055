import { InvalidOptionsError } from './errors.js';

/** A duration: milliseconds, or a string like `'250ms' '30s' '5m' '2h' '1d'`. */
export type Duration = number | string;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

/**
 * Parses a duration to milliseconds. Throws `InvalidOptionsError` naming `what`
 * for anything else (negative, NaN, unknown unit).
 */
export function parseDuration(input: Duration, what = 'duration'): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) {
      throw new InvalidOptionsError(`${what} must be a non-negative number of ms, got ${input}`);
    }
    return input;
  }
  if (typeof input === 'string') {
    const match = PATTERN.exec(input.trim());
    if (match) return Math.round(Number(match[1]) * UNIT_MS[match[2]!]!);
  }
  throw new InvalidOptionsError(
    `${what} must be ms or a string like '250ms', '30s', '5m', '2h', '1d'; got ${JSON.stringify(input)}`,
  );
}

/** Like `parseDuration`, but `undefined` stays `undefined`. */
export function parseOptionalDuration(input: Duration | undefined, what?: string): number | undefined {
  return input === undefined ? undefined : parseDuration(input, what);
}
