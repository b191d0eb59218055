/**
 * What happens to one received message. The record decides, the message is only a
 * doorbell: unknown/stale/finished → delete; not due yet → hide it until due (or
 * hop past SQS's caps); queue paused → hide it for a while; otherwise claim the
 * record (compare-and-set, attempt + 1, new lease token) and hand out a lease.
 */
import { randomUUID } from 'node:crypto';
import type { Message } from '@aws-sdk/client-sqs';
import { type Doorbell, decodeDoorbell, type StoredRecord } from './codec.js';
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
  /** When the message was received (real time); now when not given. */
  receivedAtMs?: number;
}

/** A received message whose job can be claimed: its record as read after the message arrived. */
export interface Claimable {
  target: BandQueue;
  message: Message;
  delivery: Delivery;
  loaded: LoadedRecord;
}

/** Turns a received message into a lease, or deals with it and returns null (one message, fresh reads). */
export async function processMessage(
  runtime: AdapterRuntime,
  target: BandQueue,
  message: Message,
  settings: ReceiveSettings,
): Promise<SqsLease | null> {
  const doorbell = decodeDoorbell(message.Body);
  if (!doorbell) {
    await deadLetter(runtime, target, message);
    return null;
  }
  const loaded = await runtime.records.load(doorbell.id);
  const claimable = await screen(runtime, target, message, doorbell, loaded, settings);
  if (!claimable) return null;
  if (claimable.loaded.malformed) return malformedLease(runtime, claimable.delivery, claimable.loaded);
  return claim(runtime, claimable.delivery, claimable.loaded);
}

/**
 * The first half of taking a received batch: reads every job's record in one store call and
 * deals with each message that will not become a lease (foreign, stale, not due, paused).
 * Returns the rest, in order; a message whose handling failed is logged and left to reappear.
 */
export async function screenBatch(
  runtime: AdapterRuntime,
  target: BandQueue,
  messages: Message[],
  settings: ReceiveSettings,
): Promise<Claimable[]> {
  const doorbells = messages.map((message) => decodeDoorbell(message.Body));
  const ids = doorbells.flatMap((doorbell) => (doorbell ? [doorbell.id] : []));
  const records = await runtime.records.loadMany(ids);
  let next = 0;
  const screened = await Promise.all(
    messages.map(async (message, index) => {
      const doorbell = doorbells[index];
      const loaded = doorbell ? (records[next++] ?? null) : null;
      try {
        if (!doorbell) {
          await deadLetter(runtime, target, message);
          return null;
        }
        return await screen(runtime, target, message, doorbell, loaded, settings);
      } catch (error) {
        logDropped(runtime, message, error);
        return null;
      }
    }),
  );
  return screened.filter((claimable): claimable is Claimable => claimable !== null);
}

/**
 * The second half: claims screened messages with one compare-and-set call for the batch (refused
 * while the queue is paused). A job written meanwhile is screened and claimed again on its own.
 * One entry per message: its lease, or null when it needs none.
 */
export async function claimBatch(
  runtime: AdapterRuntime,
  claimables: Claimable[],
  leaseDurationMs: number,
): Promise<Array<SqsLease | null>> {
  const now = new Date(runtime.clock.now());
  const plans = claimables.map((claimable) => {
    const { record } = claimable.loaded;
    // Its message came back while the record says running: the holder's visibility timeout ran out.
    const redelivered = record.state === 'running';
    return { claimable, redelivered, record: claimed(record, now, randomUUID()) };
  });
  // Malformed records are not written (core fails them); a pending cancel is finished on its own path.
  const writable = plans.filter(
    ({ claimable, redelivered }) =>
      !claimable.loaded.malformed && !(redelivered && claimable.loaded.record.cancelRequested),
  );
  const results = await runtime.records.claimMany(
    writable.map(({ claimable, record }) => ({ version: claimable.loaded.version, record })),
  );
  const outcomes = new Map(writable.map((plan, index) => [plan, results[index]]));
  return Promise.all(
    plans.map(async (plan) => {
      const { claimable } = plan;
      try {
        if (claimable.loaded.malformed) return malformedLease(runtime, claimable.delivery, claimable.loaded);
        const outcome = outcomes.get(plan);
        if (typeof outcome === 'number') {
          return new SqsLease(runtime, claimable.delivery, plan.record, outcome, plan.redelivered);
        }
        if (outcome === 'paused') {
          await hideWhilePaused(runtime, claimable.delivery);
          return null;
        }
        // Changed since it was read (or a cancel to finish): decide again from a fresh read.
        const pausedQueues = runtime.records.call('read pause flags', () =>
          runtime.options.store.pausedQueues(),
        );
        // A failed read is reported where it is awaited; this handler only keeps an unawaited one quiet.
        pausedQueues.catch((error: unknown) =>
          runtime.logger.debug({ err: error }, 'sqs: pause read failed'),
        );
        return await processMessage(runtime, claimable.target, claimable.message, {
          leaseDurationMs,
          pausedQueues,
          receivedAtMs: claimable.delivery.receivedAtMs,
        });
      } catch (error) {
        logDropped(runtime, claimable.message, error);
        return null;
      }
    }),
  );
}

/** Deals with a message that will not become a lease and returns null; otherwise returns it as claimable. */
async function screen(
  runtime: AdapterRuntime,
  target: BandQueue,
  message: Message,
  doorbell: Doorbell,
  loaded: LoadedRecord | null,
  settings: ReceiveSettings,
): Promise<Claimable | null> {
  const { messages, logger } = runtime;
  const receiptHandle = message.ReceiptHandle ?? '';
  const delivery: Delivery = {
    url: target.url,
    receiptHandle,
    leaseDurationMs: settings.leaseDurationMs,
    receivedAtMs: settings.receivedAtMs ?? Date.now(),
  };
  if (!loaded) {
    logger.debug({ jobId: doorbell.id }, 'sqs: message for a job that no longer exists; deleting it');
    await messages.deleteNow(target.url, receiptHandle);
    return null;
  }
  if (loaded.malformed) return { target, message, delivery, loaded };
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
    await hideWhilePaused(runtime, delivery);
    return null;
  }
  return { target, message, delivery, loaded };
}

/** Hides a paused queue's message until the pause is checked again. */
async function hideWhilePaused(runtime: AdapterRuntime, delivery: Delivery): Promise<void> {
  await runtime.messages.changeVisibility(
    delivery.url,
    delivery.receiptHandle,
    Math.ceil(runtime.options.pausedRecheckMs / 1000),
  );
}

function logDropped(runtime: AdapterRuntime, message: Message, error: unknown): void {
  runtime.logger.error(
    { err: error, messageId: message.MessageId },
    'sqs: handling a received message failed; it reappears after its visibility timeout',
  );
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
