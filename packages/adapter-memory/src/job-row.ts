import {
  AdapterError,
  type BackoffSpec,
  type JobRecord,
  type JobState,
  type NewJob,
  type SerializedError,
} from '@switchyard/core';
import type { HeapItem } from './indexed-heap.js';

/** What a stored job knows about the lease it is running under. */
export interface HeldLease {
  /** Marks the lease lost (expired, cancelled holder gone, job removed) and aborts its signal. */
  lose(reason: Error): void;
  /** Aborts the lease's signal without losing it (a cancel request for a running job). */
  abort(reason: Error): void;
}

/**
 * One stored job: the memory backend's "row". Payload, result and progress are
 * kept as JSON text, which makes every read a deep copy, keeps a million queued
 * jobs compact, and gives "corrupt stored data" the same meaning as on a
 * database (text that does not decode). Times are epoch ms.
 */
export class JobRow implements HeapItem {
  heapIndex = -1;
  /** Non-zero while the row waits in a ready FIFO lane (see `ReadyQueue`). */
  laneTicket = 0;
  attempt = 0;
  startedAt: number | undefined = undefined;
  finishedAt: number | undefined = undefined;
  resultJson: string | undefined = undefined;
  error: SerializedError | undefined = undefined;
  progressJson: string | undefined = undefined;
  cancelRequested = false;
  /** The previous delivery lost its lease; the next lease reports `redelivered`. */
  redelivered = false;
  /** The lease this job runs under while `running`. */
  lease: HeldLease | null = null;

  constructor(
    readonly id: string,
    readonly task: string,
    readonly queue: string,
    /** The payload as JSON text (`undefined` for an undefined payload). */
    public payloadJson: string | undefined,
    readonly priority: number,
    readonly createdAt: number,
    public runAt: number,
    readonly maxAttempts: number | null,
    readonly backoff: BackoffSpec | undefined,
    readonly timeoutMs: number | undefined,
    readonly uniqueKey: string | undefined,
    readonly metadata: Record<string, string>,
    /** Enqueue order, the last tie-breaker of delivery order. */
    readonly seq: number,
    public state: JobState,
  ) {}
}

/** Shared by every job without metadata (most of them), so a million queued jobs don't hold a million empty objects. */
const NO_METADATA: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** A private copy of job metadata (string values only, so a shallow copy is a full one). */
function copyMetadata(metadata: Record<string, string>): Record<string, string> {
  for (const _key in metadata) return { ...metadata };
  return NO_METADATA;
}

/**
 * JSON text of a value, or `undefined` for `undefined`. A value that cannot be
 * serialized (a BigInt, a cycle) throws `AdapterError` naming `what` of job `jobId`.
 */
export function encodeJson(
  value: unknown,
  what: 'payload' | 'result' | 'progress',
  jobId: string,
): string | undefined {
  if (value === undefined) return undefined;
  try {
    return JSON.stringify(value);
  } catch (error) {
    throw new AdapterError('memory', `the ${what} of job ${jobId} is not JSON-serializable`, {
      cause: error,
    });
  }
}

/** Parses JSON text written by `encodeJson`; throws on corrupt text. */
export function decodeJson(text: string | undefined): unknown {
  return text === undefined ? undefined : JSON.parse(text);
}

/** Builds a stored row from what core handed to `enqueue`. */
export function rowFromNewJob(
  job: NewJob,
  payloadJson: string | undefined,
  seq: number,
  now: number,
): JobRow {
  const runAt = job.runAt.getTime();
  return new JobRow(
    job.id,
    job.task,
    job.queue,
    payloadJson,
    job.priority,
    job.createdAt.getTime(),
    runAt,
    job.maxAttempts,
    job.backoff === undefined ? undefined : structuredClone(job.backoff),
    job.timeoutMs,
    job.uniqueKey,
    copyMetadata(job.metadata),
    seq,
    runAt > now ? 'scheduled' : 'pending',
  );
}

/**
 * A fresh `JobRecord` for `row`: nothing in it is shared with the store except
 * `payload`, which the caller decodes (and so owns).
 */
export function toJobRecord(row: JobRow, payload: unknown): JobRecord {
  const record: JobRecord = {
    id: row.id,
    task: row.task,
    queue: row.queue,
    state: row.state,
    payload,
    priority: row.priority,
    attempt: row.attempt,
    maxAttempts: row.maxAttempts,
    createdAt: new Date(row.createdAt),
    runAt: new Date(row.runAt),
    metadata: { ...row.metadata },
  };
  if (row.backoff !== undefined) record.backoff = structuredClone(row.backoff);
  if (row.timeoutMs !== undefined) record.timeoutMs = row.timeoutMs;
  if (row.uniqueKey !== undefined) record.uniqueKey = row.uniqueKey;
  if (row.startedAt !== undefined) record.startedAt = new Date(row.startedAt);
  if (row.finishedAt !== undefined) record.finishedAt = new Date(row.finishedAt);
  if (row.resultJson !== undefined) record.result = decodeForDisplay(row.resultJson);
  if (row.error !== undefined) record.error = { ...row.error };
  if (row.progressJson !== undefined) record.progress = decodeForDisplay(row.progressJson);
  if (row.cancelRequested) record.cancelRequested = true;
  return record;
}

/**
 * Decodes stored JSON for a query result. Corrupt text is shown as the raw
 * string rather than hiding the job: queries must still list a broken job so an
 * operator can see and remove it (delivery reports it as malformed instead).
 */
export function decodeForDisplay(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
