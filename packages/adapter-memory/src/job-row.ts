import {
  AdapterError,
  type BackoffSpec,
  type JobRecord,
  type JobState,
  type NewJob,
  type SerializedError,
} from '@switchyard/core';
import type { HeapItem } from './indexed-heap.js';
import type { JsonCopier } from './json-copy.js';

/** What a stored job knows about the lease it is running under. */
export interface HeldLease {
  /** Marks the lease lost (expired, cancelled holder gone, job removed) and aborts its signal. */
  lose(reason: Error): void;
  /** Aborts the lease's signal without losing it (a cancel request for a running job). */
  abort(reason: Error): void;
}

/**
 * Rows keep times as ms from this instant: small integers, which V8 stores inside
 * the row. An epoch ms does not fit in 31 bits, so V8 would give every time field
 * of every row a separate heap box (a million queued jobs: millions of boxes for
 * the garbage collector to copy). Times more than ~24 days from it are still
 * exact, only boxed again.
 */
const TIME_BASE = Date.now();

/**
 * Payload text written through the raw-storage backdoor (`row.payloadJson = ...`):
 * decoded when read, so text that does not decode is "corrupt stored data", as on a database.
 */
class RawPayloadText {
  constructor(readonly text: string) {}
}

/** Shared by every job without metadata (most of them), so a million queued jobs don't hold a million empty objects. */
const NO_METADATA: Record<string, string> = Object.freeze({}) as Record<string, string>;

/**
 * What only some jobs carry (options given at enqueue, a result, an error, progress, a cancel
 * request, metadata): kept apart so a plain queued job's row holds one slot for all of it. A
 * million queued jobs then hold 64 MB less (eight 8-byte slots each).
 */
class RowDetails {
  resultJson: string | undefined = undefined;
  error: SerializedError | undefined = undefined;
  progressJson: string | undefined = undefined;
  cancelRequested = false;
  redelivered = false;
  backoff: BackoffSpec | undefined = undefined;
  timeoutMs: number | undefined = undefined;
  uniqueKey: string | undefined = undefined;
  metadata: Record<string, string> = NO_METADATA;
}

/**
 * One stored job: the memory backend's "row". The payload is a private deep copy
 * (see `JsonCopier`); every read hands out a fresh copy. Result and progress are
 * kept as JSON text. Times read as epoch ms (see `TIME_BASE`). Fields most jobs
 * never set live in `extras`, allocated at the first write of one.
 */
export class JobRow implements HeapItem {
  heapIndex = -1;
  /** Removed from the table (its entry in the id index waits for compaction). */
  deleted = false;
  /** Non-zero while the row waits in a ready FIFO lane (see `ReadyQueue`). */
  laneTicket = 0;
  attempt = 0;
  private startedAtFromBase: number | undefined = undefined;
  private finishedAtFromBase: number | undefined = undefined;
  private readonly createdAtFromBase: number;
  private runAtFromBase: number;
  /** The lease this job runs under while `running`. */
  lease: HeldLease | null = null;
  /**
   * Nothing for a plain job; the metadata itself for a job that carries nothing else (a traced
   * job's trace context: no `RowDetails` per job); else a `RowDetails` holding all of it.
   */
  private extras: RowDetails | Record<string, string> | undefined = undefined;

  constructor(
    readonly id: string,
    readonly task: string,
    readonly queue: string,
    /** The payload: a private copy nobody else holds, or backdoor text (`RawPayloadText`). */
    public storedPayload: unknown,
    readonly priority: number,
    createdAt: number,
    runAt: number,
    readonly maxAttempts: number | null,
    backoff: BackoffSpec | undefined,
    timeoutMs: number | undefined,
    uniqueKey: string | undefined,
    metadata: Record<string, string>,
    /** Enqueue order, the last tie-breaker of delivery order. */
    readonly seq: number,
    public state: JobState,
  ) {
    this.createdAtFromBase = createdAt - TIME_BASE;
    this.runAtFromBase = runAt - TIME_BASE;
    if (metadata !== NO_METADATA) this.extras = metadata;
    if (backoff !== undefined || timeoutMs !== undefined || uniqueKey !== undefined) {
      const details = this.writableDetails();
      details.backoff = backoff;
      details.timeoutMs = timeoutMs;
      details.uniqueKey = uniqueKey;
    }
  }

  private get details(): RowDetails | undefined {
    const extras = this.extras;
    return extras instanceof RowDetails ? extras : undefined;
  }

  private writableDetails(): RowDetails {
    const extras = this.extras;
    if (extras instanceof RowDetails) return extras;
    const details = new RowDetails();
    if (extras !== undefined) details.metadata = extras;
    this.extras = details;
    return details;
  }

  get backoff(): BackoffSpec | undefined {
    return this.details?.backoff;
  }

  get timeoutMs(): number | undefined {
    return this.details?.timeoutMs;
  }

  get uniqueKey(): string | undefined {
    return this.details?.uniqueKey;
  }

  get metadata(): Record<string, string> {
    const extras = this.extras;
    if (extras === undefined) return NO_METADATA;
    return extras instanceof RowDetails ? extras.metadata : extras;
  }

  /** Only the raw-storage backdoor writes metadata (a corrupt row in the conformance suite). */
  set metadata(metadata: Record<string, string>) {
    const extras = this.extras;
    if (extras instanceof RowDetails) extras.metadata = metadata;
    else this.extras = metadata;
  }

  get resultJson(): string | undefined {
    return this.details?.resultJson;
  }

  set resultJson(json: string | undefined) {
    if (json !== undefined || this.details !== undefined) this.writableDetails().resultJson = json;
  }

  get error(): SerializedError | undefined {
    return this.details?.error;
  }

  set error(error: SerializedError | undefined) {
    if (error !== undefined || this.details !== undefined) this.writableDetails().error = error;
  }

  get progressJson(): string | undefined {
    return this.details?.progressJson;
  }

  set progressJson(json: string | undefined) {
    if (json !== undefined || this.details !== undefined) this.writableDetails().progressJson = json;
  }

  get cancelRequested(): boolean {
    return this.details?.cancelRequested ?? false;
  }

  set cancelRequested(requested: boolean) {
    if (requested || this.details !== undefined) this.writableDetails().cancelRequested = requested;
  }

  /** The previous delivery lost its lease; the next lease reports `redelivered`. */
  get redelivered(): boolean {
    return this.details?.redelivered ?? false;
  }

  set redelivered(redelivered: boolean) {
    if (redelivered || this.details !== undefined) this.writableDetails().redelivered = redelivered;
  }

  /** Epoch ms. */
  get createdAt(): number {
    return this.createdAtFromBase + TIME_BASE;
  }

  /** Epoch ms. */
  get runAt(): number {
    return this.runAtFromBase + TIME_BASE;
  }

  set runAt(ms: number) {
    this.runAtFromBase = ms - TIME_BASE;
  }

  /** Epoch ms of the current (or last) attempt's start. */
  get startedAt(): number | undefined {
    const fromBase = this.startedAtFromBase;
    return fromBase === undefined ? undefined : fromBase + TIME_BASE;
  }

  set startedAt(ms: number | undefined) {
    this.startedAtFromBase = ms === undefined ? undefined : ms - TIME_BASE;
  }

  /** Epoch ms. */
  get finishedAt(): number | undefined {
    const fromBase = this.finishedAtFromBase;
    return fromBase === undefined ? undefined : fromBase + TIME_BASE;
  }

  set finishedAt(ms: number | undefined) {
    this.finishedAtFromBase = ms === undefined ? undefined : ms - TIME_BASE;
  }

  /** The payload as JSON text, as a database would show it (`undefined` for an undefined payload). */
  get payloadJson(): string | undefined {
    const stored = this.storedPayload;
    return stored instanceof RawPayloadText ? stored.text : JSON.stringify(stored);
  }

  /** Replaces the stored payload by raw text, decoded (or found corrupt) when the job is read. */
  set payloadJson(text: string | undefined) {
    this.storedPayload = text === undefined ? undefined : new RawPayloadText(text);
  }
}

/**
 * A fresh copy of the row's payload for a reader (a delivery). Throws when the
 * stored payload is backdoor text that does not decode.
 */
export function readPayload(row: JobRow, copier: JsonCopier): unknown {
  const stored = row.storedPayload;
  if (stored instanceof RawPayloadText) return JSON.parse(stored.text);
  return copier.copy(stored);
}

/**
 * The payload for a query result. Corrupt text is shown as the raw string rather
 * than hiding the job: queries must still list a broken job so an operator can
 * see and remove it (delivery reports it as malformed instead).
 */
export function displayPayload(row: JobRow, copier: JsonCopier): unknown {
  const stored = row.storedPayload;
  if (stored instanceof RawPayloadText) return decodeForDisplay(stored.text);
  return copier.copy(stored);
}

/** A private copy of job metadata (string values only, so a shallow copy is a full one). */
function copyMetadata(metadata: Record<string, string>): Record<string, string> {
  for (const _key in metadata) return { ...metadata };
  return NO_METADATA;
}

/**
 * `copyMetadata` for the jobs of one `enqueue` call: jobs handed the same object (a bulk
 * enqueue's options, one trace context for a batch) share one copy, as rows never change
 * it. Only for one synchronous pass: the caller may change its object afterwards.
 */
export function metadataCopier(): (metadata: Record<string, string>) => Record<string, string> {
  let lastSource: Record<string, string> | undefined;
  let lastCopy = NO_METADATA;
  return (metadata) => {
    if (metadata !== lastSource) {
      lastCopy = copyMetadata(metadata);
      lastSource = metadata;
    }
    return lastCopy;
  };
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

/** Builds a stored row from what core handed to `enqueue`; `metadata` is its private copy. */
export function rowFromNewJob(
  job: NewJob,
  storedPayload: unknown,
  metadata: Record<string, string>,
  seq: number,
  now: number,
): JobRow {
  const runAt = job.runAt.getTime();
  return new JobRow(
    job.id,
    job.task,
    job.queue,
    storedPayload,
    job.priority,
    job.createdAt.getTime(),
    runAt,
    job.maxAttempts,
    job.backoff === undefined ? undefined : structuredClone(job.backoff),
    job.timeoutMs,
    job.uniqueKey,
    metadata,
    seq,
    runAt > now ? 'scheduled' : 'pending',
  );
}

/**
 * A fresh `JobRecord` for `row`: nothing in it is shared with the store except
 * `payload`, which the caller copied (and so owns).
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
    metadata: row.metadata === NO_METADATA ? {} : { ...row.metadata },
  };
  if (row.startedAt !== undefined) record.startedAt = new Date(row.startedAt);
  return withOptionalFields(record, row);
}

/**
 * `toJobRecord` for a row just leased (so `startedAt` is set). `startedAt` sits in
 * the literal: a property added afterwards would cost an extra allocation on every delivery.
 */
export function leasedJobRecord(row: JobRow, payload: unknown, startedAt: number): JobRecord {
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
    startedAt: new Date(startedAt),
    metadata: row.metadata === NO_METADATA ? {} : { ...row.metadata },
  };
  return withOptionalFields(record, row);
}

/** Adds the fields a job has only sometimes (absent, not undefined, when unset). */
function withOptionalFields(record: JobRecord, row: JobRow): JobRecord {
  if (row.backoff !== undefined) record.backoff = structuredClone(row.backoff);
  if (row.timeoutMs !== undefined) record.timeoutMs = row.timeoutMs;
  if (row.uniqueKey !== undefined) record.uniqueKey = row.uniqueKey;
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
