/**
 * Payloads and results must survive a trip through JSON unchanged on every backend.
 * These checks reject what `JSON.stringify` would silently drop or mangle.
 */
import { PayloadTooLargeError, ValidationError, type ValidationIssue } from './errors.js';
import { describeIssues } from './validation.js';

/** Default cap on a serialized payload (API.md: 256 KiB; an adapter may lower it). */
export const DEFAULT_MAX_PAYLOAD_BYTES = 256 * 1024;

/** Deeper nesting is rejected, so a hostile payload cannot exhaust the stack. */
const MAX_DEPTH = 200;

/** Stop collecting after this many issues; one bad array of a million items needs one message. */
const MAX_ISSUES = 50;

/**
 * Throws `ValidationError` (each issue with its path) unless `value` is plain JSON:
 * null, booleans, finite numbers, strings, dense arrays and plain objects (prototype
 * `Object.prototype` or `null`) nested at most 200 deep. Rejected everywhere, because
 * JSON would drop or change them: `undefined`, functions, symbols (values or keys),
 * bigint, NaN/Infinity, Date, Map, Set, class instances, array holes and cycles.
 * `what` starts the message, e.g. `'payload'`.
 */
export function assertJson(value: unknown, what: string): void {
  // Hot path: a cheap yes/no walk; only a failing value pays for the detailed, path-tracking one.
  if (plainJsonMaxBytes(value, 0) >= 0) return;
  throwJsonIssues(value, what);
}

/**
 * `assertJson` and `assertPayloadSize` in one walk: the walk bounds the UTF-8
 * size of the JSON text from above, and only a value whose bound passes
 * `limitBytes` is serialized to count its exact size.
 */
export function assertJsonWithin(value: unknown, what: string, limitBytes: number): void {
  const maxBytes = plainJsonMaxBytes(value, 0);
  if (maxBytes < 0) throwJsonIssues(value, what);
  if (maxBytes < 0 || maxBytes > limitBytes) assertPayloadSize(value, limitBytes);
}

function throwJsonIssues(value: unknown, what: string): void {
  const issues: ValidationIssue[] = [];
  collectJsonIssues(value, [], new Set(), issues);
  if (issues.length > 0) throw new ValidationError(describeIssues(what, 'is not plain JSON', issues), issues);
}

/** Longest JSON text of a finite number (`-1.2345678901234567e-308` is 24 characters). */
const MAX_NUMBER_BYTES = 25;

/**
 * -1 unless `value` is plain JSON; otherwise an upper bound of the UTF-8 bytes of
 * its JSON text (a UTF-16 unit is at most 6 bytes of JSON: `\u001f`). A cycle
 * shows up as nesting past MAX_DEPTH.
 */
function plainJsonMaxBytes(value: unknown, depth: number): number {
  switch (typeof value) {
    case 'string':
      return value.length * 6 + 2;
    case 'boolean':
      return 5;
    case 'number':
      return Number.isFinite(value) ? MAX_NUMBER_BYTES : -1;
    case 'object':
      break;
    default:
      return -1;
  }
  if (value === null) return 4;
  if (depth >= MAX_DEPTH) return -1;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return -1;
    let total = 2 + value.length;
    for (let index = 0; index < value.length; index++) {
      if (!(index in value)) return -1;
      const item = plainJsonMaxBytes(value[index], depth + 1);
      if (item < 0) return -1;
      total += item;
    }
    return total;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return -1;
  if (Object.getOwnPropertySymbols(value).length > 0) return -1;
  let total = 2;
  for (const key in value) {
    const item = plainJsonMaxBytes((value as Record<string, unknown>)[key], depth + 1);
    if (item < 0) return -1;
    total += item + key.length * 6 + 4;
  }
  return total;
}

function collectJsonIssues(
  value: unknown,
  path: PropertyKey[],
  ancestors: Set<object>,
  issues: ValidationIssue[],
): void {
  if (issues.length >= MAX_ISSUES) return;
  const problem = describeNonJson(value);
  if (problem !== null) {
    issues.push({ message: problem, path: [...path] });
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (ancestors.has(value)) {
    issues.push({ message: 'circular reference', path: [...path] });
    return;
  }
  if (path.length >= MAX_DEPTH) {
    issues.push({ message: `nested deeper than ${MAX_DEPTH} levels`, path: [...path] });
    return;
  }
  // Only ancestors count as a cycle; the same object twice in siblings serializes fine.
  ancestors.add(value);
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      path.push(index);
      if (index in value) collectJsonIssues(value[index], path, ancestors, issues);
      else issues.push({ message: 'array hole (JSON turns it into null)', path: [...path] });
      path.pop();
    }
  } else {
    for (const symbol of Object.getOwnPropertySymbols(value)) {
      issues.push({ message: 'symbol key (JSON drops it)', path: [...path, symbol] });
    }
    for (const [key, child] of Object.entries(value)) {
      path.push(key);
      collectJsonIssues(child, path, ancestors, issues);
      path.pop();
    }
  }
  ancestors.delete(value);
}

/** Why a single value (not its children) is not JSON, or null when it may be. */
function describeNonJson(value: unknown): string | null {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return null;
    case 'number':
      return Number.isFinite(value) ? null : `${value} is not a JSON number`;
    case 'undefined':
      return 'undefined is not JSON (it would disappear)';
    case 'function':
      return 'a function is not JSON';
    case 'symbol':
      return 'a symbol is not JSON';
    case 'bigint':
      return 'a bigint is not JSON';
    case 'object': {
      if (value === null) return null;
      const proto = Object.getPrototypeOf(value);
      if (Array.isArray(value))
        return proto === Array.prototype ? null : 'an Array subclass is not plain JSON';
      if (proto === Object.prototype || proto === null) return null;
      const name = (proto as { constructor?: { name?: unknown } }).constructor?.name;
      return `a ${typeof name === 'string' && name !== '' ? name : 'class instance'} is not plain JSON`;
    }
    default:
      return `a ${typeof value} is not JSON`;
  }
}

/**
 * UTF-8 byte length of `JSON.stringify(value)`. Throws `ValidationError` when the
 * value has no JSON text (undefined, a function) or cannot be serialized (cycle, bigint).
 */
export function jsonByteLength(value: unknown): number {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new ValidationError(`value cannot be serialized to JSON: ${detail}`);
  }
  if (text === undefined) throw new ValidationError(`a ${typeof value} has no JSON representation`);
  return Buffer.byteLength(text, 'utf8');
}

/** Returns the serialized size of `value`; throws `PayloadTooLargeError` when it exceeds `limitBytes`. */
export function assertPayloadSize(value: unknown, limitBytes: number): number {
  const size = jsonByteLength(value);
  if (size > limitBytes) throw new PayloadTooLargeError(size, limitBytes);
  return size;
}
