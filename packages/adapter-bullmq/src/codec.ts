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
import type { ForeignJobs } from './foreign-jobs.js';
import { CANCELLED_STATE, FIELD } from './keys.js';
import { type BullPlace, fromBullPriority, toJobState } from './state-mapping.js';
import { effectiveRunAt, putBackByTool } from './tool-actions.js';

/**
 * What is stored in BullMQ's `data` field. Only what BullMQ does not already hold:
 * `createdAt` is BullMQ's `timestamp`, `priority` is BullMQ's priority (the same number), and
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

/**
 * The envelope in a decoded `data` value, or undefined when the value is not one (another
 * producer's data). Only the encoding is checked here: the record built from it is judged by
 * core's `storedRecordProblems`, as on every backend.
 */
export function readEnvelope(value: unknown): JobEnvelope | undefined {
  return typeof value === 'object' && value !== null && (value as { v?: unknown }).v === 1
    ? (value as JobEnvelope)
    : undefined;
}

/** Parses BullMQ's `data` string into an envelope, or throws `MalformedJobError` saying why. */
export function parseEnvelope(id: string, data: string | undefined): JobEnvelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data ?? '');
  } catch (cause) {
    throw new MalformedJobError(`bullmq: job ${id} has data that is not valid JSON`, { cause });
  }
  const envelope = readEnvelope(parsed);
  if (!envelope) {
    throw new MalformedJobError(`bullmq: job ${id} was not written by Switchyard (unknown data shape)`);
  }
  return envelope;
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

/** HGETALL's flat [field, value, ...] reply → object. */
export function toFields(flat: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
  return fields;
}

/** A script's reply about one job (queue, id, place, delayed score or '', HGETALL) → RawJob. */
export function toRaw(queue: string, id: string, place: string, score: string, flat: string[]): RawJob {
  const raw: RawJob = { queue, id, place: place as BullPlace, fields: toFields(flat) };
  if (score !== '') raw.delayedScore = Number(score);
  return raw;
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

/** What decoding a stored job needs besides its hash. */
export interface DecodeContext {
  /** Now on core's clock (a job promoted early by a tool reads as runnable now). */
  now: number;
  /** The `foreignJobs` mappings, for jobs another producer wrote. */
  foreign?: ForeignJobs;
}

/** The fields of a stored job's data: its envelope, a foreign mapping's reading, or nothing readable. */
function storedFields(raw: RawJob, decode: DecodeContext): { fields: EnvelopeFields; task?: string } {
  const { fields } = raw;
  const timestamp = toInt(fields.timestamp) ?? 0;
  const priority = toInt(fields.priority) ?? 0;
  let parsed: unknown;
  try {
    parsed = JSON.parse(fields.data ?? '');
  } catch {
    return { fields: envelopeFields(undefined, timestamp, priority) };
  }
  const envelope = readEnvelope(parsed);
  if (envelope) return { fields: envelopeFields(envelope, timestamp, priority) };
  try {
    const foreign = decode.foreign?.fromStored(raw.queue, raw.id, fields);
    if (foreign) {
      const { task, ...rest } = foreign;
      return { fields: rest, task };
    }
  } catch {
    // A foreign job its mapping cannot read: shown with what BullMQ holds, as a corrupt one.
  }
  return { fields: envelopeFields(undefined, timestamp, priority) };
}

/**
 * Raw hash → JobRecord. Never throws: a record whose data cannot be decoded is
 * reported with what can be read (task, queue, times, state), so a malformed job
 * that core failed is still visible. Returns null when the place is unknown.
 */
export function decodeRecord(raw: RawJob, decode: DecodeContext): JobRecord | null {
  const { fields } = raw;
  const finished = raw.place === 'completed' || raw.place === 'failed';
  // Put back by a tool: it waits with a fresh attempt budget, which it gets when delivered.
  const putBack = (raw.place === 'wait' || raw.place === 'prioritized') && putBackByTool(fields);
  const cancelled = fields[FIELD.state] === CANCELLED_STATE;
  const attempt = putBack ? 0 : (toInt(fields.ats) ?? 0);
  const state = toJobState(raw.place, { attemptsStarted: attempt, cancelled });
  if (state === null) return null;
  const stored = storedFields(raw, decode);
  const record: JobRecord = {
    id: raw.id,
    task: stored.task ?? fields.name ?? '',
    queue: raw.queue,
    ...stored.fields,
    state,
    attempt,
  };
  const processedOn = toInt(fields.processedOn);
  if (processedOn !== undefined && attempt > 0) record.startedAt = new Date(processedOn);
  record.runAt = new Date(
    effectiveRunAt(raw.place, runAtOf(raw, record.runAt.getTime()), record.startedAt?.getTime(), decode.now),
  );
  const finishedOn = toInt(fields.finishedOn);
  if (finishedOn !== undefined && finished) record.finishedAt = new Date(finishedOn);
  // BullMQ stores an undefined result as "null", so a null result also reads back as undefined.
  if (state === 'completed' && fields.returnvalue !== undefined && fields.returnvalue !== 'null') {
    record.result = parseJsonField(fields.returnvalue);
  }
  if (state !== 'completed' && state !== 'cancelled' && !putBack) {
    const error = decodeError(fields);
    if (error) record.error = error;
  }
  if (fields.progress !== undefined && !putBack) record.progress = parseJsonField(fields.progress);
  if (state === 'running' && fields[FIELD.cancel] === '1') record.cancelRequested = true;
  return record;
}

/** When the job is (or was) runnable: the delayed score, else the retry time, else the enqueue-time runAt. */
function runAtOf(raw: RawJob, enqueuedRunAt: number): number {
  if (raw.place === 'delayed' && raw.delayedScore !== undefined) return Math.floor(raw.delayedScore / 0x1000);
  return toInt(raw.fields[FIELD.runAt]) ?? enqueuedRunAt;
}
