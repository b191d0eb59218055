/**
 * Schedule arithmetic: when does a cron expression or a fixed interval tick next.
 * Pure: the caller passes the reference time, so every scheduler computes the same tick.
 */
import { type CronExpression, CronExpressionParser } from 'cron-parser';
import { InvalidOptionsError } from './errors.js';

const DEFAULT_TZ = 'UTC';

/**
 * Throws `InvalidOptionsError` (the parser's error as `cause`) for a bad cron
 * expression or an unknown IANA time zone. Accepts 5 fields, or 6 with seconds
 * first, and the `@daily`-style aliases cron-parser knows. An expression that can
 * never fire (e.g. `0 0 30 2 *`) is rejected too. `H` (hashed) fields are seeded with
 * the expression itself, so they are stable across processes.
 */
export function assertValidCron(expression: string, tz?: string): void {
  // Computing one tick is what surfaces impossible dates like February 30th.
  nextCronTick(expression, new Date(0), tz);
}

/** The first tick of `expression` strictly after `after`, evaluated in time zone `tz` (default 'UTC'). */
export function nextCronTick(expression: string, after: Date, tz: string = DEFAULT_TZ): Date {
  assertValidDate(after, 'after');
  const parsed = parseCron(expression, after, tz);
  try {
    return parsed.next().toDate();
  } catch (cause) {
    throw invalidCron(expression, cause);
  }
}

/**
 * The next tick of a schedule strictly after `after`. `everyMs` ticks are aligned to
 * the Unix epoch (`floor(after/every)*every + every`) so that every scheduler, started
 * at any time, computes the same tick. Exactly one of `cron` / `everyMs` must be set.
 * `tz` applies to `cron` only.
 */
export function nextScheduleTick(
  schedule: { cron?: string; everyMs?: number; tz?: string },
  after: Date,
): Date {
  const { cron, everyMs, tz } = schedule;
  if ((cron === undefined) === (everyMs === undefined)) {
    throw new InvalidOptionsError('a schedule needs exactly one of `cron` or `every`');
  }
  if (cron !== undefined) return nextCronTick(cron, after, tz);
  const every = everyMs as number;
  if (!Number.isFinite(every) || every <= 0) {
    throw new InvalidOptionsError(`schedule interval must be a positive number of ms; got ${every}`);
  }
  assertValidDate(after, 'after');
  return new Date(Math.floor(after.getTime() / every) * every + every);
}

function parseCron(expression: string, currentDate: Date, tz: string): CronExpression {
  if (typeof expression !== 'string') {
    throw new InvalidOptionsError(`cron expression must be a string; got ${typeof expression}`);
  }
  const trimmed = expression.trim();
  // cron-parser pads short expressions with defaults; '* * * *' would silently mean something else.
  const fields = trimmed.split(/\s+/).length;
  if (!trimmed.startsWith('@') && fields !== 5 && fields !== 6) {
    throw new InvalidOptionsError(
      `invalid cron expression "${expression}": expected 5 fields, or 6 with seconds first; got ${trimmed === '' ? 0 : fields}`,
    );
  }
  assertValidTimeZone(tz);
  try {
    // `H` fields are random per parse unless seeded; seeding with the expression keeps the
    // tick identical on every scheduler, which exactly-once firing depends on.
    return CronExpressionParser.parse(trimmed, { currentDate, tz, hashSeed: trimmed });
  } catch (cause) {
    throw invalidCron(expression, cause);
  }
}

function assertValidTimeZone(tz: string): void {
  // cron-parser reports an unknown zone only as "unhandled timestamp"; Intl names the problem.
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch (cause) {
    throw new InvalidOptionsError(`unknown time zone "${tz}"; use an IANA name like 'Europe/Berlin'`, {
      cause,
    });
  }
}

function assertValidDate(date: Date, what: string): void {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new InvalidOptionsError(`${what} must be a valid Date`);
  }
}

function invalidCron(expression: string, cause: unknown): InvalidOptionsError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new InvalidOptionsError(`invalid cron expression "${expression}": ${detail}`, { cause });
}
