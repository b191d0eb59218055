/**
 * Enqueue: records go to the store first (one atomic batch, unique keys and ids
 * checked there), then the created jobs' doorbells go to their band queues with
 * SendMessageBatch (jobs due now share messages, see `ringDoorbells`). A doorbell that cannot be sent takes its record back out, so a
 * failed enqueue leaves nothing behind.
 */
import { type EnqueueOutcome, jsonByteLength, type NewJob, PayloadTooLargeError } from '@switchyard/core';
import type { StoredRecord } from './codec.js';
import { doorbellMessage, sharedDoorbellMessages } from './doorbells.js';
import type { OutgoingMessage } from './messages.js';
import { priorityBand } from './queues.js';
import { toWrite } from './records.js';
import type { AdapterRuntime } from './runtime.js';
import { newRecord, secondsUntil } from './transitions.js';

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
  await Promise.all(
    fresh.map((record) =>
      runtime.directory.urlOf(record.queue, priorityBand(record.priority, options.priorityBands)),
    ),
  );
  const inserted = await records.call('store new jobs', () => options.store.insertJobs(fresh.map(toWrite)));
  const created = fresh.filter((_, index) => inserted[index]?.created === true);
  try {
    await ringDoorbells(runtime, created, now);
  } catch (error) {
    await Promise.all(
      created.map((record) =>
        records
          .call('take back unsent jobs', () => options.store.deleteJob(record.id))
          .catch((cleanupError: unknown) =>
            runtime.logger.error(
              { err: cleanupError, jobId: record.id },
              'sqs: could not remove a job whose message was not sent',
            ),
          ),
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
 * Rings the doorbells of `records`, grouped by band queue. On standard queues jobs due now share
 * messages (up to `jobsPerMessage` ids each); a delayed job, or any job on a FIFO queue, gets its
 * own message (delayed up to SQS's 15-minute cap on standard queues).
 */
export async function ringDoorbells(
  runtime: AdapterRuntime,
  records: StoredRecord[],
  now: number,
): Promise<void> {
  const { options } = runtime;
  const byUrl = new Map<string, { due: StoredRecord[]; messages: OutgoingMessage[] }>();
  for (const record of records) {
    const band = priorityBand(record.priority, options.priorityBands);
    const url = await runtime.directory.urlOf(record.queue, band);
    const batch = byUrl.get(url) ?? { due: [], messages: [] };
    byUrl.set(url, batch);
    const wait = secondsUntil(record.runAt.getTime(), now);
    if (wait === 0 && options.jobsPerMessage > 1) {
      batch.due.push(record);
      continue;
    }
    // Id plus generation: a retried send of the same doorbell is a FIFO duplicate, as it should be.
    batch.messages.push(doorbellMessage(options, record, wait, `${record.id}-${record.doorbell}`));
  }
  await Promise.all(
    [...byUrl].map(([url, { due, messages }]) =>
      runtime.messages.sendBatch(url, [...sharedDoorbellMessages(options, due), ...messages]),
    ),
  );
}
