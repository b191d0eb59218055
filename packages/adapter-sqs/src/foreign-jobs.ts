/**
 * Foreign producers: messages any SQS producer sends to a Switchyard queue's SQS queue (a plain
 * `SendMessage`, S3 or SNS notifications, another service) are not Switchyard doorbells. For the
 * queues named in the `foreignJobs` option, a mapping turns such a message into a Switchyard job:
 * it is stored (record plus doorbell, as `enqueue` does) and the foreign message deleted, so core
 * validates the payload with the task's schema when a worker takes it, like any other job. The job's
 * id is derived from the queue and the MessageId, so a message seen twice (a crash between storing
 * and deleting) makes one job. A message the mapping cannot read becomes a `failed` job whose payload
 * is the raw message (body, id, attributes) with the reason as its error, kept like any failed job:
 * never silently deleted. Pure apart from calling the mapping.
 */
import { createHash } from 'node:crypto';
import type { Message } from '@aws-sdk/client-sqs';
import {
  type ForeignJobMapping as CoreForeignJobMapping,
  DEFAULT_ATTEMPTS,
  mapForeignJob,
  type NewJob,
  type SerializedError,
} from '@switchyard/core';

export type { ForeignJob } from '@switchyard/core';

/**
 * How the foreign messages of one queue become Switchyard jobs: a task whose payload is the body
 * (parsed when it is JSON, else the text; priority 5 and 3 attempts, core's defaults, unless given
 * here; metadata the SQS MessageId as `sqsMessageId`), or a function of the raw SQS message.
 */
export type ForeignJobMapping = CoreForeignJobMapping<Message>;

/** `foreignJobs` option: a mapping per Switchyard queue name. */
export type ForeignJobsOption = Record<string, ForeignJobMapping>;

/** Core's default priority, for mapped jobs that give none. */
const DEFAULT_PRIORITY = 5;

/** The body as a payload: parsed JSON when it is JSON, else the text. */
export function bodyPayload(body: string | undefined): unknown {
  if (body === undefined) return null;
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

/** A UUID (version 8, from SHA-256) for the job a foreign message makes: the same message, the same job. */
export function foreignJobId(queue: string, message: Message): string {
  const key =
    message.MessageId ??
    createHash('sha256')
      .update(message.Body ?? '')
      .digest('hex');
  const hex = createHash('sha256').update(`${queue}|${key}`).digest('hex');
  const variant = ((Number.parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** When SQS accepted the message (epoch ms), else `now`. */
function sentAt(message: Message, now: number): number {
  const sent = Number(message.Attributes?.SentTimestamp);
  return Number.isFinite(sent) && sent > 0 ? sent : now;
}

/**
 * The job a foreign message of `queue` becomes under `mapping`. Throws `MalformedJobError` when the
 * mapping fails (see `mapForeignJob`).
 */
export function foreignNewJob(
  mapping: ForeignJobMapping,
  queue: string,
  message: Message,
  now: number,
): NewJob {
  const mapped = mapForeignJob(mapping, message, () => bodyPayload(message.Body), {
    adapter: 'sqs',
    queue,
    name: `message ${message.MessageId}`,
  });
  const priority = mapped.priority ?? DEFAULT_PRIORITY;
  const job: NewJob = {
    id: foreignJobId(queue, message),
    task: mapped.task,
    queue,
    payload: mapped.payload ?? null,
    priority,
    createdAt: new Date(sentAt(message, now)),
    runAt: new Date(now),
    maxAttempts: mapped.maxAttempts !== undefined ? mapped.maxAttempts : DEFAULT_ATTEMPTS,
    metadata: mapped.metadata ?? (message.MessageId ? { sqsMessageId: message.MessageId } : {}),
  };
  if (mapped.backoff) job.backoff = mapped.backoff;
  if (mapped.timeoutMs !== undefined) job.timeoutMs = mapped.timeoutMs;
  return job;
}

/**
 * The failed job kept for a foreign message its mapping could not read: the raw message as payload,
 * the reason as error. Its task is the mapping's when it names one, else `sqs-foreign-message`.
 */
export function unreadableForeignJob(
  mapping: ForeignJobMapping,
  queue: string,
  message: Message,
  reason: Error,
  now: number,
): { job: NewJob; error: SerializedError } {
  const job: NewJob = {
    id: foreignJobId(queue, message),
    task: typeof mapping === 'function' ? 'sqs-foreign-message' : mapping.task,
    queue,
    payload: {
      body: message.Body ?? null,
      messageId: message.MessageId ?? null,
      attributes: message.MessageAttributes ?? null,
    },
    priority: DEFAULT_PRIORITY,
    createdAt: new Date(sentAt(message, now)),
    runAt: new Date(now),
    maxAttempts: 1,
    metadata: message.MessageId ? { sqsMessageId: message.MessageId } : {},
  };
  return { job, error: { name: reason.name, message: reason.message } };
}
