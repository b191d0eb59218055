/**
 * Redaction of sensitive payload and result fields. Viewers always get redacted jobs,
 * and so does everyone in list responses; `GET /jobs/{id}` shows operators and admins
 * the whole job. Paths are dot-separated keys into the payload and the result, `*`
 * matching any key or array index (`card.number`, `items.*.iban`).
 */
import { InvalidOptionsError } from '@switchyard/core';
import type { JobJson } from './wire.js';

/** The `redact` option: paths to hide in payload and result, or a function returning the job to show. */
export type RedactOption = { paths: readonly string[] } | ((job: JobJson) => JobJson);

/** What hidden values are replaced with. */
export const REDACTED = '[redacted]';

/** A function that returns the job to show; identity when nothing is configured. */
export type Redactor = (job: JobJson) => JobJson;

/** Builds the redactor of a `redact` option. Throws `InvalidOptionsError` for an empty or malformed path. */
export function compileRedactor(option: RedactOption | undefined): Redactor | undefined {
  if (option === undefined) return undefined;
  if (typeof option === 'function') {
    return (job) => option(structuredClone(job));
  }
  if (typeof option !== 'object' || option === null || !Array.isArray(option.paths)) {
    throw new InvalidOptionsError('redact must be { paths: string[] } or a function (job) => job');
  }
  const paths = option.paths.map((path, index) => {
    if (typeof path !== 'string' || path.length === 0 || path.split('.').some((part) => part === '')) {
      throw new InvalidOptionsError(
        `redact.paths[${index}] must be dot-separated keys, got ${JSON.stringify(path)}`,
      );
    }
    return path.split('.');
  });
  if (paths.length === 0) return undefined;
  return (job) => {
    const copy: JobJson = { ...job };
    if (job.payload !== undefined) copy.payload = redactValue(job.payload, paths);
    if (job.result !== undefined) copy.result = redactValue(job.result, paths);
    return copy;
  };
}

/** A copy of `value` with every path replaced by {@link REDACTED}. */
export function redactValue(value: unknown, paths: readonly (readonly string[])[]): unknown {
  let copy = value;
  let copied = false;
  for (const path of paths) {
    if (!reaches(copy, path)) continue;
    if (!copied) {
      copy = structuredClone(value);
      copied = true;
    }
    hide(copy, path, 0);
  }
  return copy;
}

function isContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  return typeof value === 'object' && value !== null;
}

function keysOf(container: Record<string, unknown> | unknown[], part: string): string[] {
  if (part !== '*') return Object.hasOwn(container, part) ? [part] : [];
  return Object.keys(container);
}

function reaches(value: unknown, path: readonly string[]): boolean {
  let level: unknown[] = [value];
  for (const part of path) {
    const next: unknown[] = [];
    for (const item of level) {
      if (!isContainer(item)) continue;
      for (const key of keysOf(item, part)) next.push((item as Record<string, unknown>)[key]);
    }
    if (next.length === 0) return false;
    level = next;
  }
  return true;
}

function hide(value: unknown, path: readonly string[], depth: number): void {
  if (!isContainer(value)) return;
  const part = path[depth]!;
  for (const key of keysOf(value, part)) {
    const record = value as Record<string, unknown>;
    if (depth === path.length - 1) record[key] = REDACTED;
    else hide(record[key], path, depth + 1);
  }
}
