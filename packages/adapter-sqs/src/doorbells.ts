/**
 * Building doorbell messages (pure). Standard queues get tickets: messages that stand for a number
 * of ready jobs of their queue (up to `jobsPerMessage` each), not for named jobs; a delayed job's
 * own ticket names it and carries the delay (up to 15 min). FIFO queues get a message per job
 * naming it, with no delay (FIFO queues take none): the receiver hides a not-yet-due message until
 * its time (holding its group, as FIFO order asks).
 */
import type { StoredRecord } from './codec.js';
import { encodeDoorbell, encodeReservedTicket, encodeTickets } from './codec.js';
import type { OutgoingMessage } from './messages.js';
import type { ResolvedOptions } from './options.js';
import { MAX_DELAY_SECONDS } from './transitions.js';

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

/** Strict ordering: tickets for `count` ready jobs, up to `jobsPerMessage` per message. */
export function ticketMessages(options: ResolvedOptions, count: number): OutgoingMessage[] {
  const messages: OutgoingMessage[] = [];
  for (let left = count; left > 0; left -= options.jobsPerMessage) {
    messages.push({ body: encodeTickets(Math.min(left, options.jobsPerMessage)), delaySeconds: 0 });
  }
  return messages;
}

/**
 * Strict ordering: the ticket of a delayed job, delayed by `waitSeconds` (capped at 15 min); it
 * names the job so a receiver that gets it early hides it until the job is due.
 */
export function reservedTicketMessage(record: StoredRecord, waitSeconds: number): OutgoingMessage {
  const body = encodeReservedTicket({ id: record.id, generation: record.doorbell });
  return { body, delaySeconds: Math.min(MAX_DELAY_SECONDS, waitSeconds) };
}
