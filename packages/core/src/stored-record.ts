/**
 * One judgement of a stored job for every adapter: after an adapter decodes its own
 * encoding (a row, a hash, a JSON record) into a `JobRecord`, `storedRecordProblems`
 * lists what makes it unusable, so the same corrupt record is "malformed" on every
 * backend. Adapters keep only their encoding.
 */
import { MalformedJobError } from './errors.js';
import { JOB_STATES, type JobRecord, type JobState } from './job.js';

const NAME = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Every problem of a decoded record, in field order; empty when it is a valid job.
 * Core runs it on every delivery (the worker's hot path): plain checks, no closures,
 * and each task / queue name tested against the pattern once.
 */
export function storedRecordProblems(record: unknown): string[] {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return ['not an object'];
  const job = record as Partial<Record<keyof JobRecord, unknown>>;
  const problems: string[] = [];
  if (!(typeof job.id === 'string' && job.id.length > 0)) problems.push('id is not a non-empty string');
  if (!isName(job.task)) problems.push('task is not a valid name');
  if (!isName(job.queue)) problems.push('queue is not a valid name');
  if (!JOB_STATES.includes(job.state as JobState)) problems.push('state is not a job state');
  if (!isIntegerAtLeast(job.priority, 0) || (job.priority as number) > 9) {
    problems.push('priority is not an integer 0..9');
  }
  if (!isIntegerAtLeast(job.attempt, 0)) problems.push('attempt is not an integer ≥ 0');
  if (!(job.maxAttempts === null || isIntegerAtLeast(job.maxAttempts, 1))) {
    problems.push('maxAttempts is not an integer ≥ 1 or null');
  }
  if (!isDate(job.createdAt)) problems.push('createdAt is not a valid date');
  if (!isDate(job.runAt)) problems.push('runAt is not a valid date');
  if (!(job.startedAt === undefined || isDate(job.startedAt))) problems.push('startedAt is not a valid date');
  if (!(job.finishedAt === undefined || isDate(job.finishedAt))) {
    problems.push('finishedAt is not a valid date');
  }
  if (!isStringMap(job.metadata)) problems.push('metadata is not an object of strings');
  if (!(job.error === undefined || isSerializedError(job.error))) {
    problems.push('error is not { name, message }');
  }
  if (!(job.timeoutMs === undefined || (typeof job.timeoutMs === 'number' && job.timeoutMs > 0))) {
    problems.push('timeoutMs is not a positive number');
  }
  if (!(job.uniqueKey === undefined || (typeof job.uniqueKey === 'string' && job.uniqueKey.length > 0))) {
    problems.push('uniqueKey is not a non-empty string');
  }
  if (!(job.backoff === undefined || isBackoff(job.backoff))) {
    problems.push('backoff is not a backoff description');
  }
  return problems;
}

/** Throws `MalformedJobError` naming the adapter, the job and every problem; returns the record otherwise. */
export function assertStoredRecord(adapter: string, id: string, record: unknown): JobRecord {
  const error = storedRecordError(adapter, id, record);
  if (error) throw error;
  return record as JobRecord;
}

/** The `MalformedJobError` `assertStoredRecord` would throw, or `undefined` for a valid record. */
export function storedRecordError(
  adapter: string,
  id: string,
  record: unknown,
): MalformedJobError | undefined {
  const problems = storedRecordProblems(record);
  if (problems.length === 0) return undefined;
  return new MalformedJobError(`${adapter}: stored job ${id} is malformed: ${problems.join('; ')}`);
}

function isDate(value: unknown): boolean {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

function isIntegerAtLeast(value: unknown, min: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min;
}

/** Names already found valid: task and queue names repeat on every delivery, and the pattern is the costliest check. */
const validNames = new Set<string>();
/** Bounds `validNames`, so a store full of distinct names cannot grow it without limit. */
const VALID_NAMES_KEPT = 1024;

function isName(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  if (validNames.has(value)) return true;
  if (!NAME.test(value)) return false;
  if (validNames.size >= VALID_NAMES_KEPT) validNames.clear();
  validNames.add(value);
  return true;
}

function isStringMap(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  // for...in instead of Object.values: no array per call (metadata is usually empty).
  for (const key in value) {
    if (Object.hasOwn(value, key) && typeof (value as Record<string, unknown>)[key] !== 'string')
      return false;
  }
  return true;
}

function isSerializedError(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const error = value as { name?: unknown; message?: unknown; stack?: unknown; code?: unknown };
  return (
    typeof error.name === 'string' &&
    typeof error.message === 'string' &&
    (error.stack === undefined || typeof error.stack === 'string') &&
    (error.code === undefined || typeof error.code === 'string')
  );
}

function isBackoff(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const backoff = value as { type?: unknown; delay?: unknown; delays?: unknown };
  if (backoff.type === 'list') {
    return (
      Array.isArray(backoff.delays) &&
      backoff.delays.every((delay) => typeof delay === 'number' && delay >= 0)
    );
  }
  return (backoff.type === 'fixed' || backoff.type === 'exponential') && typeof backoff.delay === 'number';
}
