/**
 * What happens to one received message. The records decide, the message is only a
 * doorbell for one or several jobs: for each job it names, unknown/stale/finished → settled
 * here with nothing to do; moved off this message to one of its own not confirmed sent → sent
 * again (new generation); not due yet → hide the message until due (or hop past SQS's caps)
 * when it names that job alone, else move the job to a message of its own; queue paused →
 * hide the message for a while; otherwise claim the record (compare-and-set, attempt + 1,
 * new lease token) and hand out a lease. The message is deleted once every job it names
 * is settled (see `HeldMessage`).
 */
import { randomUUID } from 'node:crypto';
import type { Message } from '@aws-sdk/client-sqs';
import { type Doorbell, decodeDoorbells, type StoredRecord } from './codec.js';
import { doorbellMessage } from './doorbells.js';
import { ringDoorbells } from './enqueue.js';
import { HeldMessage } from './held-message.js';
import { SqsLease } from './lease.js';
import type { BandQueue } from './queues.js';
import type { LoadedRecord } from './records.js';
import type { AdapterRuntime } from './runtime.js';
import { isTerminalState } from './store/types.js';
import {
  cancelled,
  claimed,
  MAX_VISIBILITY_SECONDS,
  ownMessageUnconfirmed,
  rehomed,
  secondsUntil,
} from './transitions.js';

/** Settings of the consumer that received the message. */
export interface ReceiveSettings {
  leaseDurationMs: number;
  /** Pause flags read after the message arrived (so a pause that came before it is seen). */
  pausedQueues: Promise<ReadonlySet<string>>;
  /** When the message was received (real time); now when not given. */
  receivedAtMs?: number;
}

/** A received message and the jobs it names (null: not a Switchyard doorbell). */
export interface Received {
  message: Message;
  doorbells: Doorbell[] | null;
}

/** Decodes a received message. */
export function decodeReceived(message: Message): Received {
  return { message, doorbells: decodeDoorbells(message.Body) };
}

/** One job of a received message that can be claimed: its record as read after the message arrived. */
export interface Claimable {
  target: BandQueue;
  message: Message;
  held: HeldMessage;
  doorbell: Doorbell;
  loaded: LoadedRecord;
}

/**
 * The first half of taking a received batch: reads the records of every job the messages name in
 * one store call and deals with each job that will not become a lease (stale, finished, not due,
 * paused) and each foreign message. Returns the rest, in order (one entry per job); a message whose
 * handling failed is logged and left to reappear.
 */
export async function screenBatch(
  runtime: AdapterRuntime,
  target: BandQueue,
  received: Received[],
  settings: ReceiveSettings,
): Promise<Claimable[]> {
  const ids = received.flatMap(({ doorbells }) => (doorbells ?? []).map((doorbell) => doorbell.id));
  const records = await runtime.records.loadMany(ids);
  let next = 0;
  const screened = await Promise.all(
    received.map(async ({ message, doorbells }) => {
      const loaded = (doorbells ?? []).map(() => records[next++] ?? null);
      try {
        if (!doorbells) {
          await deadLetter(runtime, target, message);
          return [];
        }
        const held = new HeldMessage(
          runtime,
          target.url,
          message.ReceiptHandle ?? '',
          doorbells.length,
          settings.leaseDurationMs,
          settings.receivedAtMs ?? Date.now(),
        );
        return await screen(runtime, target, message, held, doorbells, loaded, settings);
      } catch (error) {
        logDropped(runtime, message, error);
        return [];
      }
    }),
  );
  return screened.flat();
}

/**
 * The second half: claims screened jobs with one compare-and-set call for the batch (refused
 * while the queue is paused). A job written meanwhile is read and decided again on its own.
 * One entry per job: its lease, or null when it needs none.
 */
export async function claimBatch(
  runtime: AdapterRuntime,
  claimables: Claimable[],
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
        if (claimable.loaded.malformed) return malformedLease(runtime, claimable.held, claimable.loaded);
        const outcome = outcomes.get(plan);
        if (typeof outcome === 'number') {
          return new SqsLease(runtime, claimable.held, plan.record, outcome, plan.redelivered);
        }
        if (outcome === 'paused') {
          claimable.held.giveBack(pausedHideSeconds(runtime));
          return null;
        }
        // Changed since it was read (or a cancel to finish): decide again from a fresh read.
        return await reclaim(runtime, claimable);
      } catch (error) {
        logDropped(runtime, claimable.message, error);
        return null;
      }
    }),
  );
}

/** What one job named by a received message needs, decided from its record (see the file comment). */
type JobVerdict =
  /** Gone, stale (a later message rings for it) or finished: settled in the message, nothing else. */
  | { kind: 'nothing' }
  /** A record that cannot be decoded: handed out so core fails it. */
  | { kind: 'malformed'; loaded: LoadedRecord }
  /** Moved off this message to one of its own that may never have been sent: send it again. */
  | { kind: 'unsent'; loaded: LoadedRecord }
  | { kind: 'not-due'; loaded: LoadedRecord; wait: number }
  | { kind: 'claimable'; loaded: LoadedRecord };

/** Pure: the verdict for one job of a message, given its record as read after the message arrived. */
function judge(doorbell: Doorbell, loaded: LoadedRecord | null, now: number): JobVerdict {
  if (!loaded) return { kind: 'nothing' };
  if (loaded.malformed) return { kind: 'malformed', loaded };
  const { record } = loaded;
  if (ownMessageUnconfirmed(record, doorbell.generation)) return { kind: 'unsent', loaded };
  if (doorbell.generation !== record.doorbell || isTerminalState(record.state)) return { kind: 'nothing' };
  const wait = secondsUntil(record.runAt.getTime(), now);
  if (wait > 0 && record.state !== 'running') return { kind: 'not-due', loaded, wait };
  return { kind: 'claimable', loaded };
}

/** Deals with the jobs of one message that will not become leases; returns the others as claimable. */
async function screen(
  runtime: AdapterRuntime,
  target: BandQueue,
  message: Message,
  held: HeldMessage,
  doorbells: Doorbell[],
  loadedRecords: Array<LoadedRecord | null>,
  settings: ReceiveSettings,
): Promise<Claimable[]> {
  const now = runtime.clock.now();
  const claimables: Claimable[] = [];
  const notDue: Array<{ loaded: LoadedRecord; wait: number }> = [];
  /** Jobs that moved off this message (generation `from`) to one of their own that may never have been sent. */
  const unsent: Array<{ loaded: LoadedRecord; from: number }> = [];
  let nothingToDo = 0;
  doorbells.forEach((doorbell, index) => {
    const loaded = loadedRecords[index] ?? null;
    if (!loaded) runtime.logger.debug({ jobId: doorbell.id }, 'sqs: message for a job that no longer exists');
    const verdict = judge(doorbell, loaded, now);
    if (verdict.kind === 'nothing') nothingToDo++;
    else if (verdict.kind === 'unsent') unsent.push({ loaded: verdict.loaded, from: doorbell.generation });
    else if (verdict.kind === 'not-due') notDue.push(verdict);
    else claimables.push({ target, message, held, doorbell, loaded: verdict.loaded });
  });
  if (held.single && notDue.length === 1) {
    const [{ loaded, wait }] = notDue as [{ loaded: LoadedRecord; wait: number }];
    await deferUntilDue(runtime, held, loaded.record, wait, messageAgeSeconds(message));
    return [];
  }
  const live = claimables.filter((claimable) => !claimable.loaded.malformed);
  if (live.length > 0 && (await settings.pausedQueues).has(target.queue)) {
    // The whole message waits: every job it names belongs to this queue.
    await runtime.messages.changeVisibility(held.url, held.receiptHandle, pausedHideSeconds(runtime));
    return [];
  }
  held.settle(nothingToDo);
  // Each settles its job in the message once its own message is sent; a failed send leaves it open.
  await Promise.all([
    // A job not due is on its current generation, so that is the one it moves from.
    ...notDue.map(({ loaded }) => moveToOwnMessage(runtime, held, loaded, loaded.record.doorbell)),
    ...unsent.map(({ loaded, from }) => moveToOwnMessage(runtime, held, loaded, from)),
  ]);
  return claimables;
}

/** Seconds a paused queue's message stays hidden before the pause is checked again. */
function pausedHideSeconds(runtime: AdapterRuntime): number {
  return Math.ceil(runtime.options.pausedRecheckMs / 1000);
}

/**
 * A job of a shared message (generation `from`) that is not due (its message cannot wait for it
 * alone), or that moved off it and whose own message may never have been sent: a new generation
 * and a message of its own, delayed to its runAt. The record (marked `movedFrom`) is written before
 * the send and the shared message settled after it, so a crash in between is recovered the same way.
 * Rare: shared messages carry jobs due now.
 */
async function moveToOwnMessage(
  runtime: AdapterRuntime,
  held: HeldMessage,
  loaded: LoadedRecord,
  from: number,
): Promise<void> {
  const generation = loaded.record.doorbell;
  const outcome = await runtime.records.mutate(loaded.record.id, (current) =>
    !current.malformed &&
    current.record.doorbell === generation &&
    !isTerminalState(current.record.state) &&
    current.record.state !== 'running'
      ? rehomed(current.record, from)
      : null,
  );
  if (outcome.status === 'written') {
    await ringDoorbells(runtime, [outcome.record], runtime.clock.now());
  } else if (outcome.status === 'declined' && ownMessageUnconfirmed(outcome.record, from)) {
    // Another holder of this message (a duplicate delivery) is sending it: keep the message until it has.
    held.retain();
    return;
  }
  held.settle();
}

/** One job decided again from a fresh read (its record changed between screening and claiming). */
async function reclaim(runtime: AdapterRuntime, claimable: Claimable): Promise<SqsLease | null> {
  const { held, doorbell, message } = claimable;
  const verdict = judge(doorbell, await runtime.records.load(doorbell.id), runtime.clock.now());
  switch (verdict.kind) {
    case 'nothing':
      held.settle();
      return null;
    case 'malformed':
      return malformedLease(runtime, held, verdict.loaded);
    case 'unsent':
      await moveToOwnMessage(runtime, held, verdict.loaded, doorbell.generation);
      return null;
    case 'not-due':
      if (held.single)
        await deferUntilDue(runtime, held, verdict.loaded.record, verdict.wait, messageAgeSeconds(message));
      else await moveToOwnMessage(runtime, held, verdict.loaded, doorbell.generation);
      return null;
  }
  const paused = await runtime.records.call('read pause flags', () => runtime.options.store.pausedQueues());
  if (paused.has(verdict.loaded.record.queue)) {
    held.giveBack(pausedHideSeconds(runtime));
    return null;
  }
  return claim(runtime, held, verdict.loaded);
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
  held: HeldMessage,
  loaded: LoadedRecord,
): Promise<SqsLease | null> {
  const { records } = runtime;
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
    held.settle();
    return null;
  }
  return new SqsLease(runtime, held, outcome.record, outcome.version, redelivered);
}

/** A lease whose job could not be decoded: core fails it with `malformed` and runs no handler. */
function malformedLease(runtime: AdapterRuntime, held: HeldMessage, loaded: LoadedRecord): SqsLease | null {
  if (isTerminalState(loaded.record.state)) {
    held.settle();
    return null;
  }
  const record = { ...loaded.record, state: 'running' as const };
  return new SqsLease(runtime, held, record, loaded.version, false, loaded.malformed);
}

/**
 * Keeps a not-yet-due job's message hidden until its runAt (at most 12 hours at a time,
 * SQS's visibility cap). A message that would outlive `maxMessageAgeSeconds` is replaced
 * by a fresh one delayed up to 15 minutes (a hop), so SQS's retention never drops a job.
 * Only for a message that names this one job.
 */
async function deferUntilDue(
  runtime: AdapterRuntime,
  held: HeldMessage,
  record: StoredRecord,
  waitSeconds: number,
  ageSeconds: number,
): Promise<void> {
  const { messages, options } = runtime;
  held.keep();
  const hideSeconds = Math.min(MAX_VISIBILITY_SECONDS, waitSeconds);
  if (ageSeconds + hideSeconds <= options.maxMessageAgeSeconds) {
    await messages.changeVisibility(held.url, held.receiptHandle, hideSeconds);
    return;
  }
  // A hop is a new message: a fresh deduplication id, or a FIFO queue would drop it.
  await messages.sendOne(held.url, doorbellMessage(options, record, waitSeconds, randomUUID()));
  await messages.deleteNow(held.url, held.receiptHandle);
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
