/**
 * What the receive path does with a message that is not a Switchyard doorbell on a queue with a
 * `foreignJobs` mapping (foreign-jobs.ts): store the job it maps to (or, when it cannot be read, a
 * failed job holding the raw message), then delete the message. A store or SQS failure leaves the
 * message in the queue to come back; a job id derived from the message makes the retry a duplicate.
 */
import type { Message } from '@aws-sdk/client-sqs';
import { MalformedJobError, PayloadTooLargeError } from '@switchyard/core';
import { enqueueJobs } from './enqueue.js';
import { type ForeignJobMapping, foreignNewJob, unreadableForeignJob } from './foreign-jobs.js';
import type { QueueTarget } from './queues.js';
import { toWrite } from './records.js';
import type { AdapterRuntime } from './runtime.js';
import { newRecord } from './transitions.js';

/** The mapping of `queue`, if it accepts foreign messages. */
export function mappingOf(runtime: AdapterRuntime, queue: string): ForeignJobMapping | undefined {
  const mappings = runtime.options.foreignJobs;
  return mappings && Object.hasOwn(mappings, queue) ? mappings[queue] : undefined;
}

/** Turns a foreign message of a mapped queue into a job and deletes it; false when the queue has no mapping. */
export async function adoptForeignMessage(
  runtime: AdapterRuntime,
  target: QueueTarget,
  message: Message,
): Promise<boolean> {
  const mapping = mappingOf(runtime, target.queue);
  if (mapping === undefined) return false;
  const now = runtime.clock.now();
  try {
    const job = foreignNewJob(mapping, target.queue, message, now);
    const [outcome] = await enqueueJobs(runtime, [job]);
    runtime.logger.debug(
      {
        queue: target.queue,
        messageId: message.MessageId,
        jobId: job.id,
        task: job.task,
        outcome: outcome?.status,
      },
      'sqs: a foreign message became a job',
    );
  } catch (error) {
    if (!(error instanceof MalformedJobError || error instanceof PayloadTooLargeError)) throw error;
    await keepUnreadable(runtime, mapping, target.queue, message, error, now);
  }
  await runtime.messages.deleteNow(target.url, message.ReceiptHandle ?? '');
  return true;
}

/** Stores a failed job holding the raw message, for inspection (and a manual retry once the mapping is fixed). */
async function keepUnreadable(
  runtime: AdapterRuntime,
  mapping: ForeignJobMapping,
  queue: string,
  message: Message,
  reason: Error,
  now: number,
): Promise<void> {
  const { job, error } = unreadableForeignJob(mapping, queue, message, reason, now);
  const record = { ...newRecord(job, now), state: 'failed' as const, finishedAt: new Date(now), error };
  await runtime.records.call('store an unreadable foreign message', () =>
    runtime.options.store.insertJobs([toWrite(record)]),
  );
  runtime.logger.warn(
    { queue, messageId: message.MessageId, jobId: job.id, err: reason },
    'sqs: a foreign message its foreignJobs mapping cannot read is kept as a failed job (payload: the raw message)',
  );
}
