/**
 * Runs a task's Standard Schema (zod, valibot, arktype, ...) and turns its issues
 * into a `ValidationError` with readable paths.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { InvalidOptionsError, ValidationError, type ValidationIssue } from './errors.js';

/** Issues listed in an error message; the rest are only in `error.issues`. */
const MAX_ISSUES_IN_MESSAGE = 10;

/**
 * Validates `value` with a Standard Schema (sync or async) and returns the schema's
 * output. On failure throws `ValidationError` whose message lists the issues
 * (`userId: Expected number`) after `what` (e.g. `'payload of task "send-email"'`),
 * and whose `issues` carry each message and path (path segments flattened to keys).
 */
export async function validateWithSchema<S extends StandardSchemaV1>(
  schema: S,
  value: unknown,
  what: string,
): Promise<StandardSchemaV1.InferOutput<S>> {
  return validateMaybeSync(schema, value, what);
}

/**
 * Like `validateWithSchema`, but without a promise when the schema validates
 * synchronously (most do): returns the output, or a promise for async schemas.
 * The worker's hot path uses it; payloads are JSON, so the output is never itself a promise.
 */
export function validateMaybeSync<S extends StandardSchemaV1>(
  schema: S,
  value: unknown,
  what: Description,
): StandardSchemaV1.InferOutput<S> | Promise<StandardSchemaV1.InferOutput<S>> {
  const standard = (schema as Partial<StandardSchemaV1> | null | undefined)?.['~standard'];
  if (typeof standard?.validate !== 'function') {
    throw new InvalidOptionsError(
      `the schema for ${describe(what)} does not implement Standard Schema ('~standard.validate')`,
    );
  }
  const result = standard.validate(value);
  if (result instanceof Promise) return result.then((settled) => outputOrThrow(settled, what));
  return outputOrThrow(result, what);
}

/**
 * What is validated, for error messages: a string, or a function that builds it
 * (the hot paths validate every job and need the text only when one fails).
 */
export type Description = string | (() => string);

function describe(what: Description): string {
  return typeof what === 'string' ? what : what();
}

function outputOrThrow<T>(result: StandardSchemaV1.Result<T>, what: Description): T {
  if (!result.issues) return result.value;
  const issues: ValidationIssue[] = result.issues.map((issue) =>
    issue.path === undefined
      ? { message: issue.message }
      : // Array.from, not .map: some libraries (arktype) return an Array subclass whose map keeps extra state.
        {
          message: issue.message,
          path: Array.from(issue.path, (segment) => (typeof segment === 'object' ? segment.key : segment)),
        },
  );
  throw new ValidationError(describeIssues(describe(what), 'is invalid', issues), issues);
}

/** Builds `"<what> <verdict>: a.b: message; c[0]: message"`, listing at most 10 issues. */
export function describeIssues(
  what: string,
  verdict: string,
  issues: ReadonlyArray<ValidationIssue>,
): string {
  const listed = issues.slice(0, MAX_ISSUES_IN_MESSAGE).map((issue) => {
    const path = issue.path && issue.path.length > 0 ? formatPath(issue.path) : '';
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  const more =
    issues.length > MAX_ISSUES_IN_MESSAGE ? `; and ${issues.length - MAX_ISSUES_IN_MESSAGE} more` : '';
  return `${what} ${verdict}: ${listed.join('; ')}${more}`;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** Renders a path as JavaScript access syntax: `user.name`, `items[3]`, `["a b"]`, `[Symbol(x)]`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else if (typeof key === 'symbol') text += `[${String(key)}]`;
    else if (IDENTIFIER.test(key)) text += text === '' ? key : `.${key}`;
    else text += `[${JSON.stringify(key)}]`;
  }
  return text;
}
