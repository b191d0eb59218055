/**
 * Encoding of what the adapter stores: job records (JSON with dates as epoch ms),
 * schedules, and the SQS message body (a doorbell: `{ v: 1, id, g }` for one job,
 * `{ v: 2, j: [[id, g], ...] }` for several).
 */
import {
  JOB_STATES,
  type JobRecord,
  type JobState,
  MalformedJobError,
  type ScheduleRecord,
  type SerializedError,
} from '@switchyard/core';

/** A job record plus the adapter's bookkeeping, as kept in the store. */
export interface StoredRecord extends JobRecord {
  /** Token of the lease that holds the job while it is `running`. */
  leaseToken?: string;
  /** Doorbell generation: a message whose `g` differs is stale and deleted. */
  doorbell: number;
  /**
   * Set while the job waits after moving off a shared message (of this generation) to a message
   * of its own: that shared message is deleted only after the own message was sent, so if it comes
   * back the send may never have happened, and the receiver sends the job a message again.
   */
  movedFrom?: number;
}

const DATE_FIELDS = ['createdAt', 'runAt', 'startedAt', 'finishedAt'] as const;

/** Serializes a stored record (dates become epoch ms). */
export function encodeRecord(record: StoredRecord): string {
  const plain: Record<string, unknown> = { ...record };
  for (const field of DATE_FIELDS) {
    const value = record[field];
    if (value instanceof Date) plain[field] = value.getTime();
    else delete plain[field];
  }
  return JSON.stringify(plain);
}

/** Parses a stored record; throws `MalformedJobError` naming the job when the data is not a record. */
export function decodeRecord(id: string, data: string): StoredRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch (cause) {
    throw new MalformedJobError(`sqs: stored record of job ${id} is not valid JSON`, { cause });
  }
  if (!isObject(parsed)) throw new MalformedJobError(`sqs: stored record of job ${id} is not an object`);
  const problem = describeRecordProblem(parsed);
  if (problem) throw new MalformedJobError(`sqs: stored record of job ${id} is malformed: ${problem}`);
  const record = { ...parsed } as unknown as StoredRecord;
  for (const field of DATE_FIELDS) {
    const value = parsed[field];
    if (typeof value === 'number') (record as unknown as Record<string, unknown>)[field] = new Date(value);
  }
  return record;
}

function describeRecordProblem(value: Record<string, unknown>): string | null {
  for (const field of ['id', 'task', 'queue'] as const) {
    if (typeof value[field] !== 'string') return `${field} is not a string`;
  }
  if (!JOB_STATES.includes(value.state as JobState)) return `unknown state ${JSON.stringify(value.state)}`;
  for (const field of ['priority', 'attempt', 'createdAt', 'runAt', 'doorbell'] as const) {
    if (typeof value[field] !== 'number') return `${field} is not a number`;
  }
  if (!isObject(value.metadata)) return 'metadata is not an object';
  return null;
}

/** The public view of a stored record: bookkeeping removed. */
export function toJobRecord(record: StoredRecord): JobRecord {
  const { leaseToken: _leaseToken, doorbell: _doorbell, movedFrom: _movedFrom, ...job } = record;
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

/** The jobs a message body names; null when it is not a Switchyard doorbell (foreign or not JSON). */
export function decodeDoorbells(body: string | undefined): Doorbell[] | null {
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
      ? [{ id: parsed.id, generation: parsed.g }]
      : null;
  }
  if (parsed.v !== 2 || !Array.isArray(parsed.j) || parsed.j.length === 0) return null;
  const doorbells: Doorbell[] = [];
  for (const entry of parsed.j as unknown[]) {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || typeof entry[1] !== 'number') return null;
    doorbells.push({ id: entry[0], generation: entry[1] });
  }
  return doorbells;
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
