/**
 * Switchyard job ⇄ BullMQ job. A job is a BullMQ job named after its task whose
 * `data` is the envelope below; mutable facts (attempts, result, error, progress)
 * live in BullMQ's own hash fields plus a few adapter fields (see `keys.ts`).
 */
import {
  type BackoffSpec,
  type JobRecord,
  MalformedJobError,
  type NewJob,
  type SerializedError,
} from '@switchyard/core';
import { FIELD } from './keys.js';
import { type BullPlace, fromBullPriority, toJobState } from './state-mapping.js';

/**
 * What is stored in BullMQ's `data` field. Only what BullMQ does not already hold:
 * `createdAt` is BullMQ's `timestamp`, `priority` is BullMQ's priority − 1, and
 * `runAt` / `metadata` are written only when they differ from `createdAt` / `{}`.
 */
export interface JobEnvelope {
  /** Envelope version, so a later format can coexist. */
  v: 1;
  payload: unknown;
  maxAttempts: number | null;
  runAt?: number;
  backoff?: BackoffSpec;
  timeoutMs?: number;
  uniqueKey?: string;
  metadata?: Record<string, string>;
}

/** NewJob → envelope (pure). */
export function toEnvelope(job: NewJob): JobEnvelope {
  const envelope: JobEnvelope = { v: 1, payload: job.payload, maxAttempts: job.maxAttempts };
  if (job.runAt.getTime() !== job.createdAt.getTime()) envelope.runAt = job.runAt.getTime();
  if (job.backoff !== undefined) envelope.backoff = job.backoff;
  if (job.timeoutMs !== undefined) envelope.timeoutMs = job.timeoutMs;
  if (job.uniqueKey !== undefined) envelope.uniqueKey = job.uniqueKey;
  for (const _key in job.metadata) {
    envelope.metadata = job.metadata;
    break;
  }
  return envelope;
}

/** The JobRecord fields that come from the envelope and BullMQ's own fields (best effort without an envelope). */
export type EnvelopeFields = Pick<
  JobRecord,
  | 'payload'
  | 'priority'
  | 'createdAt'
  | 'runAt'
  | 'maxAttempts'
  | 'metadata'
  | 'backoff'
  | 'timeoutMs'
  | 'uniqueKey'
>;

/** Envelope + BullMQ `timestamp` and `priority` → record fields (pure). */
export function envelopeFields(
  envelope: JobEnvelope | undefined,
  timestamp: number,
  bullPriority: number,
): EnvelopeFields {
  const fields: EnvelopeFields = {
    payload: envelope?.payload,
    priority: fromBullPriority(bullPriority),
    createdAt: new Date(timestamp),
    runAt: new Date(envelope?.runAt ?? timestamp),
    maxAttempts: envelope ? envelope.maxAttempts : null,
    metadata: envelope?.metadata ?? {},
  };
  if (envelope?.backoff !== undefined) fields.backoff = envelope.backoff;
  if (envelope?.timeoutMs !== undefined) fields.timeoutMs = envelope.timeoutMs;
  if (envelope?.uniqueKey !== undefined) fields.uniqueKey = envelope.uniqueKey;
  return fields;
}

/** Parses BullMQ's `data` string into an envelope, or throws `MalformedJobError` saying why. */
export function parseEnvelope(id: string, data: string | undefined): JobEnvelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data ?? '');
  } catch (cause) {
    throw new MalformedJobError(`bullmq: job ${id} has data that is not valid JSON`, { cause });
  }
  return checkEnvelope(id, parsed);
}

/** Checks an already-parsed value is an envelope this adapter wrote. */
export function checkEnvelope(id: string, value: unknown): JobEnvelope {
  const candidate = value as Partial<JobEnvelope> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    candidate.v !== 1 ||
    !('payload' in candidate) ||
    (candidate.maxAttempts !== null && typeof candidate.maxAttempts !== 'number')
  ) {
    throw new MalformedJobError(`bullmq: job ${id} was not written by Switchyard (unknown data shape)`);
  }
  return candidate as JobEnvelope;
}

/** A raw job hash plus where the job sits. */
export interface RawJob {
  queue: string;
  id: string;
  place: BullPlace;
  /** Score in the delayed set (BullMQ packs `timestamp * 0x1000 + counter`). */
  delayedScore?: number;
  fields: Record<string, string>;
}

/** Decodes a stored JSON value, keeping the raw text when it does not parse. */
function parseJsonField(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    // Written by something else (a BullMQ tool, a foreign producer): show it as text rather than hide it.
    return text;
  }
}

function toInt(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/** The error of a finished or retrying job: the adapter's full form, else BullMQ's reason. */
function decodeError(fields: Record<string, string>): SerializedError | undefined {
  const stored = fields[FIELD.error];
  if (stored !== undefined) {
    const parsed = parseJsonField(stored) as SerializedError | string;
    if (typeof parsed === 'object' && parsed !== null && typeof parsed.message === 'string') return parsed;
  }
  if (fields.failedReason) return { name: 'Error', message: fields.failedReason };
  return undefined;
}

/**
 * Raw hash → JobRecord. Never throws: a record whose data cannot be decoded is
 * reported with what can be read (task, queue, times, state), so a malformed job
 * that core failed is still visible. Returns null when the place is unknown.
 */
export function decodeRecord(raw: RawJob): JobRecord | null {
  const { fields } = raw;
  const cancelled = fields[FIELD.state] === 'cancelled';
  const attempt = toInt(fields.ats) ?? 0;
  const state = toJobState(raw.place, { attemptsStarted: attempt, cancelled });
  if (state === null) return null;
  let envelope: JobEnvelope | undefined;
  try {
    envelope = parseEnvelope(raw.id, fields.data);
  } catch {
    envelope = undefined;
  }
  const timestamp = toInt(fields.timestamp) ?? 0;
  const record: JobRecord = {
    id: raw.id,
    task: fields.name ?? '',
    queue: raw.queue,
    ...envelopeFields(envelope, timestamp, toInt(fields.priority) ?? 0),
    state,
    attempt,
  };
  record.runAt = new Date(runAtOf(raw, record.runAt.getTime()));
  const processedOn = toInt(fields.processedOn);
  if (processedOn !== undefined && attempt > 0) record.startedAt = new Date(processedOn);
  const finishedOn = toInt(fields.finishedOn);
  if (finishedOn !== undefined && (state === 'completed' || state === 'failed' || state === 'cancelled')) {
    record.finishedAt = new Date(finishedOn);
  }
  // BullMQ stores an undefined result as "null", so a null result also reads back as undefined.
  if (state === 'completed' && fields.returnvalue !== undefined && fields.returnvalue !== 'null') {
    record.result = parseJsonField(fields.returnvalue);
  }
  if (state !== 'completed' && state !== 'cancelled') {
    const error = decodeError(fields);
    if (error) record.error = error;
  }
  if (fields.progress !== undefined) record.progress = parseJsonField(fields.progress);
  if (state === 'running' && fields[FIELD.cancel] === '1') record.cancelRequested = true;
  return record;
}

/** When the job is (or was) runnable: the delayed score, else the retry time, else the enqueue-time runAt. */
function runAtOf(raw: RawJob, enqueuedRunAt: number): number {
  if (raw.place === 'delayed' && raw.delayedScore !== undefined) return Math.floor(raw.delayedScore / 0x1000);
  return toInt(raw.fields[FIELD.runAt]) ?? enqueuedRunAt;
}
