/**
 * Cluster-wide job events: their public shape and their wire format. Core encodes
 * batches into the opaque messages an adapter's `EventBus` carries, and decodes and
 * validates what arrives, so a malformed message is judged the same on every backend.
 */
import type { JobState } from './job.js';

/** The job events `yard.subscribe` delivers. */
export type JobEventType =
  | 'enqueued'
  | 'started'
  | 'progress'
  | 'completed'
  | 'retrying'
  | 'failed'
  | 'cancelled'
  | 'stalled';

/** Every job event type, in lifecycle order. */
export const JOB_EVENT_TYPES: readonly JobEventType[] = [
  'enqueued',
  'stalled',
  'started',
  'progress',
  'retrying',
  'completed',
  'failed',
  'cancelled',
];

/** One job event, from whichever process caused it. */
export interface JobEvent {
  type: JobEventType;
  /**
   * The event's id. Pass it as `after` to resume after it where the backend keeps a
   * log (Redis streams, the memory adapter); elsewhere resuming reports a gap.
   */
  id: string;
  jobId: string;
  queue: string;
  task: string;
  /** The job's state right after the event. */
  state: JobState;
  /** The attempt the event belongs to (0 before the first run). */
  attempt: number;
  /** When it happened, on the publishing process's clock. */
  at: Date;
  /** When the job was created. */
  createdAt: Date;
  /** `progress`: the value reported. */
  progress?: unknown;
  /** `retrying`, `failed`: why the attempt failed. */
  error?: { name: string; message: string };
  /** `retrying`: when the next attempt is due; `enqueued`: when the job becomes ready. */
  runAt?: Date;
  /** `completed`: how long the attempt ran, in ms. */
  durationMs?: number;
  /** `enqueued`: true when a manual `jobs.retry` put a finished job back. */
  retry?: boolean;
  /** The worker that ran the attempt (`started` to the attempt's end). */
  workerId?: string;
}

/** Told to a subscriber that may have missed events (disconnect, trimmed log): re-read what you show. */
export interface GapEvent {
  type: 'gap';
  reason: string;
  at: Date;
}

/** What a `yard.subscribe` listener receives. */
export type ClusterEvent = JobEvent | GapEvent;

/**
 * The wire form of one event: dates as epoch ms, no id (the receiver assigns it).
 * `rank` and `needs` carry the job's causal order across processes (see `event-order.ts`).
 */
export interface WireJobEvent {
  type: JobEventType;
  /** Position in the job's history: grows along every path through the state machine. */
  rank: number;
  /** The rank the subscriber must have seen for this job before this event (when it can still come). */
  needs?: number;
  jobId: string;
  queue: string;
  task: string;
  state: JobState;
  attempt: number;
  at: number;
  createdAt: number;
  progress?: unknown;
  error?: { name: string; message: string };
  runAt?: number;
  durationMs?: number;
  retry?: boolean;
  workerId?: string;
}

const WIRE_VERSION = 1;
const STATES = new Set<string>([
  'scheduled',
  'pending',
  'running',
  'retrying',
  'completed',
  'failed',
  'cancelled',
]);
const TYPES = new Set<string>(JOB_EVENT_TYPES);
/** Error messages are cut here: an event is a notification, the job keeps the full error. */
const MAX_ERROR_MESSAGE = 500;

/**
 * Encodes events into messages of at most `maxBytes` each (a single event larger than
 * that loses its `progress` value, which the job record still holds).
 */
export function encodeEventMessages(events: WireJobEvent[], maxBytes: number): string[] {
  const messages: string[] = [];
  let batch: string[] = [];
  let size = 0;
  const envelope = `{"v":${WIRE_VERSION},"e":[]}`.length;
  for (const event of events) {
    let text = JSON.stringify(trimEvent(event));
    let bytes = Buffer.byteLength(text);
    if (bytes + envelope > maxBytes) {
      const { progress: _dropped, ...rest } = event;
      text = JSON.stringify(trimEvent(rest));
      bytes = Buffer.byteLength(text);
    }
    bytes += 1; // the comma that joins it to the batch
    if (batch.length > 0 && size + bytes + envelope > maxBytes) {
      messages.push(`{"v":${WIRE_VERSION},"e":[${batch.join(',')}]}`);
      batch = [];
      size = 0;
    }
    batch.push(text);
    size += bytes;
  }
  if (batch.length > 0) messages.push(`{"v":${WIRE_VERSION},"e":[${batch.join(',')}]}`);
  return messages;
}

function trimEvent(event: WireJobEvent): WireJobEvent {
  if (event.error && event.error.message.length > MAX_ERROR_MESSAGE) {
    return { ...event, error: { ...event.error, message: event.error.message.slice(0, MAX_ERROR_MESSAGE) } };
  }
  return event;
}

/** What `decodeEventMessage` found: the valid events and how many entries were malformed. */
export interface DecodedMessage {
  events: WireJobEvent[];
  malformed: number;
}

/** Decodes one message. A message that is not ours at all counts as one malformed entry. */
export function decodeEventMessage(message: string): DecodedMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return { events: [], malformed: 1 };
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    (parsed as { v?: unknown }).v !== WIRE_VERSION ||
    !Array.isArray((parsed as { e?: unknown }).e)
  ) {
    return { events: [], malformed: 1 };
  }
  const events: WireJobEvent[] = [];
  let malformed = 0;
  for (const entry of (parsed as { e: unknown[] }).e) {
    if (isWireEvent(entry)) events.push(entry);
    else malformed++;
  }
  return { events, malformed };
}

function isWireEvent(value: unknown): value is WireJobEvent {
  if (typeof value !== 'object' || value === null) return false;
  const event = value as Record<string, unknown>;
  return (
    typeof event.type === 'string' &&
    TYPES.has(event.type) &&
    typeof event.jobId === 'string' &&
    event.jobId.length > 0 &&
    typeof event.queue === 'string' &&
    typeof event.task === 'string' &&
    typeof event.state === 'string' &&
    STATES.has(event.state) &&
    Number.isInteger(event.attempt) &&
    Number.isInteger(event.rank) &&
    (event.needs === undefined || Number.isInteger(event.needs)) &&
    (event.attempt as number) >= 0 &&
    Number.isFinite(event.at) &&
    Number.isFinite(event.createdAt) &&
    (event.runAt === undefined || Number.isFinite(event.runAt)) &&
    (event.durationMs === undefined || Number.isFinite(event.durationMs)) &&
    (event.retry === undefined || typeof event.retry === 'boolean') &&
    (event.workerId === undefined || typeof event.workerId === 'string') &&
    (event.error === undefined ||
      (typeof event.error === 'object' &&
        event.error !== null &&
        typeof (event.error as { name?: unknown }).name === 'string' &&
        typeof (event.error as { message?: unknown }).message === 'string'))
  );
}

/** The public event for a decoded wire event. */
export function toJobEvent(wire: WireJobEvent, id: string): JobEvent {
  const event: JobEvent = {
    type: wire.type,
    id,
    jobId: wire.jobId,
    queue: wire.queue,
    task: wire.task,
    state: wire.state,
    attempt: wire.attempt,
    at: new Date(wire.at),
    createdAt: new Date(wire.createdAt),
  };
  if (wire.progress !== undefined) event.progress = wire.progress;
  if (wire.error !== undefined) event.error = { name: wire.error.name, message: wire.error.message };
  if (wire.runAt !== undefined) event.runAt = new Date(wire.runAt);
  if (wire.durationMs !== undefined) event.durationMs = wire.durationMs;
  if (wire.retry) event.retry = true;
  if (wire.workerId !== undefined) event.workerId = wire.workerId;
  return event;
}
