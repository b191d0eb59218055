/**
 * Enqueue: records go to the store first (one atomic batch, unique keys and ids checked there;
 * waiting jobs enter their queue's ready or delayed index), then the created jobs' doorbells go
 * to their SQS queues with SendMessageBatch (see `ringDoorbells`). A doorbell that cannot be sent
 * takes its record back out while it still waits, so a failed enqueue leaves nothing behind that
 * has not already run.
 */
import { type EnqueueOutcome, jsonByteLength, type NewJob, PayloadTooLargeError } from '@switchyard/core';
import type { StoredRecord } from './codec.js';
import { doorbellMessage, reservedTicketMessage, ticketMessages } from './doorbells.js';
import type { OutgoingMessage } from './messages.js';
import { toWrite, type WriteMarks } from './records.js';
import type { AdapterRuntime } from './runtime.js';
import { newRecord, secondsUntil, ticketDelaySeconds } from './transitions.js';

/** Stores `jobs` and rings their doorbells. */
export async function enqueueJobs(runtime: AdapterRuntime, jobs: NewJob[]): Promise<EnqueueOutcome[]> {
  if (jobs.length === 0) return [];
  const { records, options } = runtime;
  for (const job of jobs) {
    const size = jsonByteLength(job.payload);
    if (size > options.maxPayloadBytes) throw new PayloadTooLargeError(size, options.maxPayloadBytes);
  }
  const now = runtime.clock.now();
  const fresh = jobs.map((job) => newRecord(job, now));
  // Resolve queue URLs before writing, so a missing queue fails the enqueue with nothing stored.
  await Promise.all(fresh.map((record) => runtime.directory.urlOf(record.queue)));
  const marks = unrungMarks(runtime, now);
  const inserted = await records.call('store new jobs', () =>
    options.store.insertJobs(fresh.map((record) => ({ ...toWrite(record), ...marks }))),
  );
  const created = fresh.filter((_, index) => inserted[index]?.created === true);
  try {
    await ringDoorbells(runtime, created, now);
    await confirmRung(
      runtime,
      created.map(({ id }) => id),
    );
  } catch (error) {
    // Only jobs still waiting are taken back: once in the ready index a job can be claimed by any
    // ticket (a surplus one, another job's), and one already running must not lose its record —
    // the caller's retry with the same id then finds it instead of running it a second time.
    const ids = created.map(({ id }) => id);
    await records
      .call('take back unsent jobs', () => options.store.deleteJobsIn(ids, ['pending', 'scheduled']))
      .catch((cleanupError: unknown) =>
        runtime.logger.error(
          { err: cleanupError, jobIds: ids },
          'sqs: could not remove jobs whose message was not sent',
        ),
      );
    throw error;
  }
  return fresh.map((record, index) => {
    const result = inserted[index];
    return !result || result.created
      ? { status: 'created', id: record.id }
      : { status: 'duplicate', id: record.id, existingJobId: result.existingJobId };
  });
}

/**
 * FIFO mode: the mark a write carries when a doorbell is about to be sent for its job, so a
 * process that dies before sending it leaves a trace the unrung sweep finds (`unrung-sweep.ts`).
 * Standard queues need none: their sweep counts tickets (`ticket-sweep.ts`).
 */
export function unrungMarks(runtime: AdapterRuntime, now: number): WriteMarks {
  return runtime.options.fifo && runtime.options.store.markRung ? { unrungSince: now } : {};
}

/** FIFO mode: the doorbells of these jobs were sent (see `unrungMarks`). */
export async function confirmRung(runtime: AdapterRuntime, ids: string[]): Promise<void> {
  const { store } = runtime.options;
  if (!runtime.options.fifo || !store.markRung || ids.length === 0) return;
  await runtime.records.call('confirm sent doorbells', () => store.markRung!(ids));
}

/**
 * Rings the doorbells of `records`: tickets on standard queues (see `ringTickets`); on FIFO queues
 * a message per job naming it, in its message group (FIFO queues take no delay: the receiver hides
 * a job's message until it is due).
 */
export async function ringDoorbells(
  runtime: AdapterRuntime,
  records: StoredRecord[],
  now: number,
): Promise<void> {
  const { options } = runtime;
  if (options.ordering === 'strict') return ringTickets(runtime, records, now);
  const byUrl = new Map<string, OutgoingMessage[]>();
  for (const record of records) {
    const url = await runtime.directory.urlOf(record.queue);
    const messages = byUrl.get(url) ?? [];
    byUrl.set(url, messages);
    // Id plus generation: a retried send of the same doorbell is a FIFO duplicate, as it should be.
    const wait = secondsUntil(record.runAt.getTime(), now);
    messages.push(doorbellMessage(options, record, wait, `${record.id}-${record.doorbell}`));
  }
  await Promise.all([...byUrl].map(([url, messages]) => runtime.messages.sendBatch(url, messages)));
}

/**
 * Strict ordering: the store's ready index decides which job runs, so jobs due now need only a
 * count of tickets per queue (shared messages of up to `jobsPerMessage` tickets); a delayed job
 * gets a ticket of its own, delayed up to 15 minutes, that names it (so it is hidden until due).
 */
async function ringTickets(runtime: AdapterRuntime, records: StoredRecord[], now: number): Promise<void> {
  const byUrl = new Map<string, { due: number; messages: OutgoingMessage[] }>();
  for (const record of records) {
    const url = await runtime.directory.urlOf(record.queue);
    const batch = byUrl.get(url) ?? { due: 0, messages: [] };
    byUrl.set(url, batch);
    if (record.runAt.getTime() <= now) batch.due++;
    else batch.messages.push(reservedTicketMessage(record, ticketDelaySeconds(record.runAt.getTime(), now)));
  }
  await Promise.all(
    [...byUrl].map(([url, { due, messages }]) =>
      runtime.messages.sendBatch(url, [...ticketMessages(runtime.options, due), ...messages]),
    ),
  );
}

/**
 * Strict ordering: the own ticket of a job that moved off a message: a reserved ticket delayed to
 * its runAt, or a plain one when it is due.
 */
export async function sendOwnTicket(runtime: AdapterRuntime, record: StoredRecord): Promise<void> {
  const url = await runtime.directory.urlOf(record.queue);
  const now = runtime.clock.now();
  const message =
    record.runAt.getTime() > now
      ? reservedTicketMessage(record, ticketDelaySeconds(record.runAt.getTime(), now))
      : ticketMessages(runtime.options, 1)[0]!;
  await runtime.messages.sendOne(url, message);
}
