/**
 * Building doorbell messages (pure). Standard queues carry the delay (up to 15 min);
 * FIFO queues accept no per-message delay, so their doorbells go out at once and the
 * receiver hides a not-yet-due message until its time (holding its group, as FIFO order asks).
 * Jobs due now on a standard queue share messages (see `jobsPerMessage`).
 */
import type { StoredRecord } from './codec.js';
import { encodeDoorbell, encodeDoorbells } from './codec.js';
import type { OutgoingMessage } from './messages.js';
import type { ResolvedOptions } from './options.js';
import { MAX_DELAY_SECONDS } from './transitions.js';

/** Most bytes of ids in one shared doorbell: far below SQS's message limit, whatever the id lengths. */
const SHARED_BODY_BUDGET = 64 * 1024;

/** The message group of a job in FIFO mode: its metadata value, else the default group. */
export function messageGroupOf(record: StoredRecord, fifo: NonNullable<ResolvedOptions['fifo']>): string {
  const value = record.metadata[fifo.groupMetadataKey];
  return typeof value === 'string' && value.length > 0 ? value.slice(0, 128) : fifo.defaultGroupId;
}

/**
 * The doorbell of `record`, delayed by `waitSeconds` (capped at 15 min) on standard queues.
 * `deduplicationId` matters on FIFO queues only: the same id within 5 minutes is dropped by SQS.
 */
export function doorbellMessage(
  options: ResolvedOptions,
  record: StoredRecord,
  waitSeconds: number,
  deduplicationId: string,
): OutgoingMessage {
  const body = encodeDoorbell({ id: record.id, generation: record.doorbell });
  if (!options.fifo) return { body, delaySeconds: Math.min(MAX_DELAY_SECONDS, waitSeconds) };
  return { body, delaySeconds: 0, fifo: { groupId: messageGroupOf(record, options.fifo), deduplicationId } };
}

/**
 * Doorbells for jobs due now on one standard queue: up to `jobsPerMessage` ids per message
 * (and at most 64 KiB of ids), in the order given.
 */
export function sharedDoorbellMessages(options: ResolvedOptions, records: StoredRecord[]): OutgoingMessage[] {
  const messages: OutgoingMessage[] = [];
  let chunk: StoredRecord[] = [];
  let bytes = 0;
  const flush = (): void => {
    if (chunk.length === 0) return;
    const doorbells = chunk.map((record) => ({ id: record.id, generation: record.doorbell }));
    messages.push({ body: encodeDoorbells(doorbells), delaySeconds: 0 });
    chunk = [];
    bytes = 0;
  };
  for (const record of records) {
    const size = Buffer.byteLength(record.id) + 16;
    if (chunk.length >= options.jobsPerMessage || bytes + size > SHARED_BODY_BUDGET) flush();
    chunk.push(record);
    bytes += size;
  }
  flush();
  return messages;
}
