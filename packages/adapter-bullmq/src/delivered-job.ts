/**
 * A delivered BullMQ job read as a running `JobRecord`: from its envelope, or from the queue's
 * `foreignJobs` mapping when another producer wrote it; then judged by core's stored-record
 * validator, as on every backend. A job that cannot be read is delivered as malformed, and core
 * fails it without running a handler (BullMQ keeps its raw data for inspection).
 */
import { assertStoredRecord, type JobRecord, MalformedJobError } from '@switchyard/core';
import type { Job } from 'bullmq';
import { type EnvelopeFields, envelopeFields, readEnvelope } from './codec.js';
import { ADAPTER_NAME } from './errors.js';
import { type ForeignJobs, foreignFields } from './foreign-jobs.js';
import { parseErrorOf } from './lease-worker.js';

/** The record of a delivered job, and why it cannot run when it cannot. */
export interface DeliveredRecord {
  record: JobRecord;
  malformed?: Error;
}

/** Reads a delivered job; `startedAt` is when this delivery started, on core's clock. */
export function deliveredRecord(
  job: Job,
  queue: string,
  foreign: ForeignJobs,
  startedAt: number,
): DeliveredRecord {
  const id = job.id ?? '';
  let fields: EnvelopeFields | undefined;
  let task = job.name;
  let malformed: Error | undefined;
  const parseError = parseErrorOf(job);
  const envelope = parseError === undefined ? readEnvelope(job.data) : undefined;
  if (parseError !== undefined) {
    malformed = new MalformedJobError(`bullmq: job ${id} has data that is not valid JSON`, {
      cause: parseError,
    });
  } else if (envelope) {
    fields = envelopeFields(envelope, job.timestamp, job.priority);
  } else {
    const mapping = foreign.mappingOf(queue);
    if (mapping === undefined) {
      malformed = new MalformedJobError(
        `bullmq: job ${id} was not written by Switchyard (unknown data shape) and queue "${queue}" has no foreignJobs mapping`,
      );
    } else {
      try {
        const mapped = foreignFields(mapping, job);
        task = mapped.task;
        fields = mapped;
      } catch (error) {
        malformed = error as Error;
      }
    }
  }
  // The fields object becomes the record (no copy: this runs once per delivery).
  const record = (fields ?? envelopeFields(undefined, job.timestamp, job.priority)) as JobRecord;
  record.id = id;
  record.task = task;
  record.queue = queue;
  record.state = 'running';
  record.attempt = job.attemptsStarted;
  record.startedAt = new Date(job.processedOn ?? startedAt);
  // Promoted before its time (by a tool): it became runnable no later than it started.
  if (record.runAt.getTime() > record.startedAt.getTime()) record.runAt = record.startedAt;
  if (malformed) return { record, malformed };
  try {
    assertStoredRecord(ADAPTER_NAME, id, record);
  } catch (error) {
    return { record, malformed: error as Error };
  }
  return { record };
}
