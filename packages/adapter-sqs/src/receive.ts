/**
 * What happens to one received message. The record decides, the message is only a
 * doorbell: unknown/stale/finished → delete; not due yet → hide it until due (or
 * hop past SQS's caps); queue paused → hide it for a while; otherwise claim the
 * record (compare-and-set, attempt + 1, new lease token) and hand out a lease.
 */
import { randomUUID } from 'node:crypto';
import type { Message } from '@aws-sdk/client-sqs';
import { decodeDoorbell, type StoredRecord } from './codec.js';
import { doorbellMessage } from './doorbells.js';
import { type Delivery, SqsLease } from './lease.js';
import type { BandQueue } from './queues.js';
import type { LoadedRecord } from './records.js';
import type { AdapterRuntime } from './runtime.js';
import { isTerminalState } from './store/types.js';
import { cancelled, claimed, MAX_VISIBILITY_SECONDS, secondsUntil } from './transitions.js';

/** Settings of the consumer that received the message. */
export interface ReceiveSettings {
  leaseDurationMs: number;
  /** Pause flags read after the message arrived (so a pause that came before it is seen). */
  pausedQueues: Promise<ReadonlySet<string>>;
}

/** Turns a received message into a lease, or deals with it and returns null. */
export async function processMessage(
  runtime: AdapterRuntime,
  target: BandQueue,
  message: Message,
  settings: ReceiveSettings,
): Promise<SqsLease | null> {
  const { records, messages, logger } = runtime;
  const receiptHandle = message.ReceiptHandle ?? '';
  const delivery: Delivery = {
    url: target.url,
    receiptHandle,
    leaseDurationMs: settings.leaseDurationMs,
    receivedAtMs: Date.now(),
  };
  const doorbell = decodeDoorbell(message.Body);
  if (!doorbell) {
    await deadLetter(runtime, target, message);
    return null;
  }
  const loaded = await records.load(doorbell.id);
  if (!loaded) {
    logger.debug({ jobId: doorbell.id }, 'sqs: message for a job that no longer exists; deleting it');
    await messages.deleteNow(target.url, receiptHandle);
    return null;
  }
  if (loaded.malformed) return malformedLease(runtime, delivery, loaded);
  const { record } = loaded;
  if (doorbell.generation !== record.doorbell || isTerminalState(record.state)) {
    await messages.deleteNow(target.url, receiptHandle);
    return null;
  }
  const now = runtime.clock.now();
  const wait = secondsUntil(record.runAt.getTime(), now);
  if (wait > 0 && record.state !== 'running') {
    await deferUntilDue(runtime, delivery, record, wait, messageAgeSeconds(message));
    return null;
  }
  if ((await settings.pausedQueues).has(record.queue)) {
    await messages.changeVisibility(
      target.url,
      receiptHandle,
      Math.ceil(runtime.options.pausedRecheckMs / 1000),
    );
    return null;
  }
  return claim(runtime, delivery, loaded);
}

/** Claims the record under compare-and-set and builds the lease; null when the job moved on meanwhile. */
async function claim(
  runtime: AdapterRuntime,
  delivery: Delivery,
  loaded: LoadedRecord,
): Promise<SqsLease | null> {
  const { records, messages } = runtime;
  const token = randomUUID();
  const now = new Date(runtime.clock.now());
  let redelivered = false;
  const outcome = await records.mutate(loaded.record.id, (current) => {
    if (current.malformed || current.record.doorbell !== loaded.record.doorbell) return null;
    const { record } = current;
    if (isTerminalState(record.state)) return null;
    // Its message came back while the record says running: the holder's visibility timeout ran out.
    redelivered = record.state === 'running';
    // A cancel was requested and its holder died before acting on it: finish the cancel here.
    if (redelivered && record.cancelRequested) return cancelled(record, now);
    return claimed(record, now, token);
  });
  if (outcome.status !== 'written' || outcome.record.state !== 'running') {
    await messages.deleteNow(delivery.url, delivery.receiptHandle);
    return null;
  }
  return new SqsLease(runtime, delivery, outcome.record, outcome.version, redelivered);
}

/** A lease whose job could not be decoded: core fails it with `malformed` and runs no handler. */
function malformedLease(runtime: AdapterRuntime, delivery: Delivery, loaded: LoadedRecord): SqsLease | null {
  if (isTerminalState(loaded.record.state)) {
    void runtime.messages.deleteLater(delivery.url, delivery.receiptHandle);
    return null;
  }
  const record = { ...loaded.record, state: 'running' as const };
  return new SqsLease(runtime, delivery, record, loaded.version, false, loaded.malformed);
}

/**
 * Keeps a not-yet-due job's message hidden until its runAt (at most 12 hours at a time,
 * SQS's visibility cap). A message that would outlive `maxMessageAgeSeconds` is replaced
 * by a fresh one delayed up to 15 minutes (a hop), so SQS's retention never drops a job.
 */
async function deferUntilDue(
  runtime: AdapterRuntime,
  delivery: Delivery,
  record: StoredRecord,
  waitSeconds: number,
  ageSeconds: number,
): Promise<void> {
  const { messages, options } = runtime;
  const hideSeconds = Math.min(MAX_VISIBILITY_SECONDS, waitSeconds);
  if (ageSeconds + hideSeconds <= options.maxMessageAgeSeconds) {
    await messages.changeVisibility(delivery.url, delivery.receiptHandle, hideSeconds);
    return;
  }
  // A hop is a new message: a fresh deduplication id, or a FIFO queue would drop it.
  await messages.sendOne(delivery.url, doorbellMessage(options, record, waitSeconds, randomUUID()));
  await messages.deleteNow(delivery.url, delivery.receiptHandle);
}

/** Seconds since SQS accepted the message (0 when SQS did not say). */
function messageAgeSeconds(message: Message): number {
  const sent = Number(message.Attributes?.SentTimestamp);
  return Number.isFinite(sent) && sent > 0 ? Math.max(0, (Date.now() - sent) / 1000) : 0;
}

/** A message that is not a Switchyard doorbell: logged, moved to the dead-letter queue when configured, deleted. */
async function deadLetter(runtime: AdapterRuntime, target: BandQueue, message: Message): Promise<void> {
  const { messages, logger, options } = runtime;
  const preview = (message.Body ?? '').slice(0, 200);
  logger.warn(
    {
      queue: target.queue,
      messageId: message.MessageId,
      body: preview,
      deadLetterQueue: options.deadLetterQueueUrl ?? null,
    },
    'sqs: received a message that is not a Switchyard job; removing it from the queue',
  );
  if (options.deadLetterQueueUrl) {
    const fifo = options.deadLetterQueueUrl.endsWith('.fifo')
      ? { groupId: 'foreign', deduplicationId: message.MessageId ?? randomUUID() }
      : undefined;
    await messages.sendOne(options.deadLetterQueueUrl, {
      body: message.Body ?? '',
      delaySeconds: 0,
      ...(fifo ? { fifo } : {}),
    });
  }
  await messages.deleteNow(target.url, message.ReceiptHandle ?? '');
}
