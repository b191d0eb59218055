/**
 * Encoding of what the adapter stores: job records (JSON with dates as epoch ms),
 * schedules, and the SQS message body. FIFO doorbells name their job
 * (`{ v: 1, id, g }` for one job, `{ v: 2, j: [[id, g], ...] }` for several); strict ordering's
 * doorbells are tickets (`{ v: 3, n }`: n jobs of this queue are ready, whichever they are), and a
 * delayed job's ticket names the job it waits for (`{ v: 3, n: 1, id, g }`).
 */
import {
  type JobRecord,
  type JobState,
  MalformedJobError,
  type ScheduleRecord,
  type SerializedError,
  storedRecordProblems,
} from '@switchyard/core';

/** A job record plus the adapter's bookkeeping, as kept in the store. */
export interface StoredRecord extends JobRecord {
  /** Token of the lease that holds the job while it is `running`. */
  leaseToken?: string;
  /** Doorbell generation: a message whose `g` differs is stale and deleted. */
  doorbell: number;
  /**
   * Set while the job waits after moving off a message (its MessageId) to a ticket of its own: that
   * message is deleted only after the own ticket was sent, so if it comes back the send may never
   * have happened, and its receiver sends the ticket again (kept beside the record).
   */
  movedOff?: string;
}

const DATE_FIELDS = ['createdAt', 'runAt', 'startedAt', 'finishedAt'] as const;

/**
 * Fields the store keeps beside the record (`JobLifecycle` and the state), so a claim can change
 * them without decoding it: they are left out of the encoded record and put back on decoding.
 */
const BESIDE_FIELDS = ['state', 'attempt', 'startedAt', 'leaseToken', 'movedOff'] as const;

/** What the store keeps beside a record: its state and lifecycle fields (absent in records stored before they existed). */
export interface RecordBeside {
  state: JobState;
  attempt?: number;
  startedAt?: number;
  leaseToken?: string;
  movedOff?: string;
}

/** Serializes a stored record (dates become epoch ms), without the fields kept beside it. */
export function encodeRecord(record: StoredRecord): string {
  const plain: Record<string, unknown> = { ...record };
  for (const field of DATE_FIELDS) {
    const value = record[field];
    if (value instanceof Date) plain[field] = value.getTime();
    else delete plain[field];
  }
  for (const field of BESIDE_FIELDS) delete plain[field];
  return JSON.stringify(plain);
}

/**
 * Strings the encoded record of every job matching these metadata / payload conditions contains
 * (`encodeRecord` is plain `JSON.stringify`, so `"key":value` appears as such), letting the store
 * skip most non-matching records without decoding them. A necessary condition only: the decoded
 * record is still checked. A value whose serialization depends on key order (an object with
 * several keys, at any depth) contributes only `"key":` and its first character.
 */
export function recordSubstrings(filter: {
  metadata?: Record<string, string>;
  payload?: Record<string, unknown>;
}): string[] {
  const needles: string[] = [];
  for (const [key, value] of Object.entries(filter.metadata ?? {})) {
    needles.push(`${JSON.stringify(key)}:${JSON.stringify(value)}`);
  }
  for (const [key, value] of Object.entries(filter.payload ?? {})) {
    const text = JSON.stringify(value);
    needles.push(`${JSON.stringify(key)}:${orderFree(value) ? text : text.slice(0, 1)}`);
  }
  return needles;
}

/** True when `JSON.stringify(value)` is the same whatever the key order of its objects. */
function orderFree(value: unknown): boolean {
  if (Array.isArray(value)) return value.every(orderFree);
  if (typeof value !== 'object' || value === null) return true;
  const entries = Object.values(value);
  return entries.length <= 1 && entries.every(orderFree);
}

/**
 * Parses a stored record: this adapter's encoding (JSON, dates as epoch ms) is undone here, then
 * core's shared validator (`storedRecordProblems`) judges the job, so a corrupt record is
 * malformed here exactly when it is on every other backend; only the adapter's own bookkeeping
 * fields are checked locally. Throws `MalformedJobError` naming the job and every problem.
 */
export function decodeRecord(id: string, data: string, beside: RecordBeside): StoredRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch (cause) {
    throw new MalformedJobError(`sqs: stored record of job ${id} is not valid JSON`, { cause });
  }
  if (!isObject(parsed)) throw new MalformedJobError(`sqs: stored record of job ${id} is not an object`);
  const record: Record<string, unknown> = { ...parsed, state: beside.state };
  // A record stored before the lifecycle fields moved beside it carries them itself.
  if (beside.attempt !== undefined) {
    for (const field of ['attempt', 'startedAt', 'leaseToken', 'movedOff'] as const) {
      if (beside[field] === undefined) delete record[field];
      else record[field] = beside[field];
    }
  }
  for (const field of DATE_FIELDS) {
    const value = record[field];
    if (typeof value === 'number') record[field] = new Date(value);
  }
  const problems = [...storedRecordProblems(record), ...bookkeepingProblems(record)];
  if (problems.length > 0) {
    throw new MalformedJobError(`sqs: stored job ${id} is malformed: ${problems.join('; ')}`);
  }
  return record as unknown as StoredRecord;
}

/** Problems of the fields only this adapter stores beside the job (core's validator knows the rest). */
export function bookkeepingProblems(record: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(record.doorbell)) problems.push('doorbell is not an integer');
  if (record.leaseToken !== undefined && typeof record.leaseToken !== 'string')
    problems.push('leaseToken is not a string');
  if (record.movedOff !== undefined && typeof record.movedOff !== 'string')
    problems.push('movedOff is not a string');
  return problems;
}

/** The public view of a stored record: bookkeeping removed. */
export function toJobRecord(record: StoredRecord): JobRecord {
  const { leaseToken: _leaseToken, doorbell: _doorbell, movedOff: _movedOff, ...job } = record;
  return job;
}

/** One job named by an SQS message: which job, and which generation of its doorbell. */
export interface Doorbell {
  id: string;
  generation: number;
}

/** Message body for one job's doorbell. */
export function encodeDoorbell(doorbell: Doorbell): string {
  return JSON.stringify({ v: 1, id: doorbell.id, g: doorbell.generation });
}

/** Message body of a doorbell for several jobs (`{ v: 2, j: [[id, g], ...] }`); one job keeps the v1 form. */
export function encodeDoorbells(doorbells: Doorbell[]): string {
  if (doorbells.length === 1) return encodeDoorbell(doorbells[0]!);
  return JSON.stringify({ v: 2, j: doorbells.map(({ id, generation }) => [id, generation]) });
}

/** Reads a single-job message body; null when it is not one (see `decodeDoorbells`). */
export function decodeDoorbell(body: string | undefined): Doorbell | null {
  const doorbells = decodeDoorbells(body);
  return doorbells?.length === 1 ? doorbells[0]! : null;
}

/** The jobs a message body names; null when it is not a named doorbell (a ticket, foreign, or not JSON). */
export function decodeDoorbells(body: string | undefined): Doorbell[] | null {
  const decoded = decodeMessageBody(body);
  return decoded?.kind === 'named' ? decoded.doorbells : null;
}

/** Strict ordering: a message standing for `count` ready jobs of its queue. */
export function encodeTickets(count: number): string {
  return JSON.stringify({ v: 3, n: count });
}

/** Strict ordering: the ticket of a delayed job, which keeps it hidden until the job is due. */
export function encodeReservedTicket(doorbell: Doorbell): string {
  return JSON.stringify({ v: 3, n: 1, id: doorbell.id, g: doorbell.generation });
}

/** What a message body says. */
export type MessageBody =
  /** Doorbells naming their jobs (FIFO mode; several ids: written by an earlier version). */
  | { kind: 'named'; doorbells: Doorbell[] }
  /** Tickets: `count` jobs of the queue are ready; `reserved` names a delayed job it waits for. */
  | { kind: 'tickets'; count: number; reserved?: Doorbell };

/** Decodes a message body; null when it is not a Switchyard doorbell (foreign or not JSON). */
export function decodeMessageBody(body: string | undefined): MessageBody | null {
  if (body === undefined) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    // Not JSON: some other producer's message. The caller logs and dead-letters it.
    return null;
  }
  if (!isObject(parsed)) return null;
  if (parsed.v === 1) {
    return typeof parsed.id === 'string' && typeof parsed.g === 'number'
      ? { kind: 'named', doorbells: [{ id: parsed.id, generation: parsed.g }] }
      : null;
  }
  if (parsed.v === 3) return decodeTickets(parsed);
  if (parsed.v !== 2 || !Array.isArray(parsed.j) || parsed.j.length === 0) return null;
  const doorbells: Doorbell[] = [];
  for (const entry of parsed.j as unknown[]) {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || typeof entry[1] !== 'number') return null;
    doorbells.push({ id: entry[0], generation: entry[1] });
  }
  return { kind: 'named', doorbells };
}

function decodeTickets(parsed: Record<string, unknown>): MessageBody | null {
  const { n, id, g } = parsed;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 1_000) return null;
  if (id === undefined && g === undefined) return { kind: 'tickets', count: n };
  if (n !== 1 || typeof id !== 'string' || typeof g !== 'number') return null;
  return { kind: 'tickets', count: 1, reserved: { id, generation: g } };
}

/** Serializes a schedule (dates become epoch ms). */
export function encodeSchedule(schedule: ScheduleRecord): string {
  return JSON.stringify({
    ...schedule,
    nextRunAt: schedule.nextRunAt.getTime(),
    createdAt: schedule.createdAt.getTime(),
    ...(schedule.lastRunAt ? { lastRunAt: schedule.lastRunAt.getTime() } : {}),
  });
}

/** Parses a stored schedule; throws `MalformedJobError` naming the key when it is not one. */
export function decodeSchedule(data: string): ScheduleRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch (cause) {
    throw new MalformedJobError('sqs: a stored schedule is not valid JSON', { cause });
  }
  if (!isObject(parsed) || typeof parsed.key !== 'string' || typeof parsed.nextRunAt !== 'number') {
    throw new MalformedJobError('sqs: a stored schedule is malformed');
  }
  const schedule = { ...parsed } as unknown as ScheduleRecord;
  schedule.nextRunAt = new Date(parsed.nextRunAt);
  schedule.createdAt = new Date(typeof parsed.createdAt === 'number' ? parsed.createdAt : parsed.nextRunAt);
  if (typeof parsed.lastRunAt === 'number') schedule.lastRunAt = new Date(parsed.lastRunAt);
  else delete schedule.lastRunAt;
  return schedule;
}

/** A minimal record for a job whose stored data could not be decoded, so it can still be failed. */
export function placeholderRecord(
  fields: { id: string; task: string; queue: string; state: JobState },
  now: Date,
): StoredRecord {
  return {
    id: fields.id,
    task: fields.task,
    queue: fields.queue,
    state: fields.state,
    payload: null,
    priority: 5,
    createdAt: now,
    runAt: now,
    maxAttempts: 1,
    metadata: {},
    attempt: 1,
    doorbell: 0,
  };
}

/** A serialized error with only the JSON-safe fields. */
export function plainError(error: SerializedError): SerializedError {
  return {
    name: error.name,
    message: error.message,
    ...(error.code ? { code: error.code } : {}),
    ...(error.stack ? { stack: error.stack } : {}),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
