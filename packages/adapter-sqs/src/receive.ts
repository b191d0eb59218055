/**
 * FIFO mode: what happens to one received message, which names its job (tickets, the standard
 * queues' messages, are in `ticket-delivery.ts`; the helpers at the end serve both). The record
 * decides, the message is only a doorbell: unknown/stale/finished → settled here with nothing to
 * do; not due yet → hide the message until due (or hop past SQS's caps); queue paused → hide the
 * message for a while; otherwise claim the record (compare-and-set, attempt + 1, new lease
 * token) and hand out a lease. The message is deleted once its job is settled (see `HeldMessage`).
 */
import { randomUUID } from 'node:crypto';
import type { Message } from '@aws-sdk/client-sqs';
import { type Doorbell, decodeDoorbells, type StoredRecord } from './codec.js';
import { doorbellMessage, reservedTicketMessage } from './doorbells.js';
import { adoptForeignMessage } from './foreign-messages.js';
import { HeldMessage } from './held-message.js';
import { SqsLease } from './lease.js';
import type { QueueTarget } from './queues.js';
import { realNow } from './real-time.js';
import type { LoadedRecord } from './records.js';
import type { AdapterRuntime } from './runtime.js';
import { isTerminalState } from './store/types.js';
import { cancelled, claimed, leaseSeconds, MAX_VISIBILITY_SECONDS, secondsUntil } from './transitions.js';

/** Settings of the consumer that received the message. */
export interface ReceiveSettings {
  leaseDurationMs: number;
  /** Pause flags read after the message arrived (so a pause that came before it is seen). */
  pausedQueues: Promise<ReadonlySet<string>>;
  /** When the message was received (real time); now when not given. */
  receivedAtMs?: number;
  /** The visibility timeout the receive asked for; a lease's when not given. */
  visibilitySeconds?: number;
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
  target: QueueTarget;
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
  target: QueueTarget,
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
        const held = new HeldMessage(runtime, {
          url: target.url,
          receiptHandle: message.ReceiptHandle ?? '',
          jobs: doorbells.length,
          leaseDurationMs: settings.leaseDurationMs,
          receivedAtMs: settings.receivedAtMs ?? realNow(),
          visibilitySeconds: settings.visibilitySeconds ?? leaseSeconds(settings.leaseDurationMs),
          messageId: message.MessageId ?? '',
        });
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
  | { kind: 'not-due'; loaded: LoadedRecord; wait: number }
  | { kind: 'claimable'; loaded: LoadedRecord };

/** Pure: the verdict for one job of a message, given its record as read after the message arrived. */
function judge(doorbell: Doorbell, loaded: LoadedRecord | null, now: number): JobVerdict {
  if (!loaded) return { kind: 'nothing' };
  if (loaded.malformed) return { kind: 'malformed', loaded };
  const { record } = loaded;
  if (doorbell.generation !== record.doorbell || isTerminalState(record.state)) return { kind: 'nothing' };
  const wait = secondsUntil(record.runAt.getTime(), now);
  if (wait > 0 && record.state !== 'running') return { kind: 'not-due', loaded, wait };
  return { kind: 'claimable', loaded };
}

/** Deals with the jobs of one message that will not become leases; returns the others as claimable. */
async function screen(
  runtime: AdapterRuntime,
  target: QueueTarget,
  message: Message,
  held: HeldMessage,
  doorbells: Doorbell[],
  loadedRecords: Array<LoadedRecord | null>,
  settings: ReceiveSettings,
): Promise<Claimable[]> {
  const now = runtime.clock.now();
  const claimables: Claimable[] = [];
  const notDue: Array<{ loaded: LoadedRecord; wait: number }> = [];
  let nothingToDo = 0;
  doorbells.forEach((doorbell, index) => {
    const loaded = loadedRecords[index] ?? null;
    if (!loaded) unknownJob(runtime, doorbell.id, message);
    const verdict = judge(doorbell, loaded, now);
    if (verdict.kind === 'nothing') nothingToDo++;
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
  // A message naming several jobs (written by an earlier version) cannot wait for one of them:
  // it comes back once the others are settled, and the job is judged again then.
  for (const { wait } of notDue) held.giveBack(Math.min(MAX_VISIBILITY_SECONDS, wait));
  return claimables;
}

/** Seconds a paused queue's message stays hidden before the pause is checked again. */
export function pausedHideSeconds(runtime: AdapterRuntime): number {
  return Math.ceil(runtime.options.pausedRecheckMs / 1000);
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
    case 'not-due':
      if (held.single)
        await deferUntilDue(runtime, held, verdict.loaded.record, verdict.wait, messageAgeSeconds(message));
      else held.giveBack(Math.min(MAX_VISIBILITY_SECONDS, verdict.wait));
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
export function malformedLease(
  runtime: AdapterRuntime,
  held: HeldMessage,
  loaded: LoadedRecord,
): SqsLease | null {
  if (isTerminalState(loaded.record.state)) {
    held.settle();
    return null;
  }
  const record = { ...loaded.record, state: 'running' as const };
  return new SqsLease(runtime, held, record, loaded.version, false, loaded.malformed);
}

/**
 * Keeps a not-yet-due job's message hidden until its runAt (at most 12 hours at a time, SQS's
 * visibility cap). A message that would outlive `maxMessageAgeSeconds` is replaced by a fresh one
 * delayed up to 15 minutes (a hop), so SQS's retention never drops a job. A FIFO queue takes no
 * delay, so a hop there would come straight back: its message is first hidden for the rest of its
 * life, and replaced only once that is spent. Only for a message that names this one job.
 */
export async function deferUntilDue(
  runtime: AdapterRuntime,
  held: HeldMessage,
  record: StoredRecord,
  waitSeconds: number,
  ageSeconds: number,
): Promise<void> {
  const { messages, options } = runtime;
  held.keep();
  const hideSeconds = Math.min(MAX_VISIBILITY_SECONDS, waitSeconds);
  const lifeLeft = Math.floor(options.maxMessageAgeSeconds - ageSeconds);
  if (ageSeconds + hideSeconds <= options.maxMessageAgeSeconds || (options.fifo && lifeLeft >= 1)) {
    await messages.changeVisibility(
      held.url,
      held.receiptHandle,
      Math.min(hideSeconds, Math.max(1, lifeLeft)),
    );
    return;
  }
  // A hop is a new message: a fresh deduplication id, or a FIFO queue would drop it.
  const hop =
    options.ordering === 'strict'
      ? reservedTicketMessage(record, waitSeconds)
      : doorbellMessage(options, record, waitSeconds, randomUUID());
  await messages.sendOne(held.url, hop);
  await messages.deleteNow(held.url, held.receiptHandle);
}

/** Seconds since SQS accepted the message (0 when SQS did not say). */
export function messageAgeSeconds(message: Message): number {
  const sent = Number(message.Attributes?.SentTimestamp);
  return Number.isFinite(sent) && sent > 0 ? Math.max(0, (realNow() - sent) / 1000) : 0;
}

/**
 * A message that is not a Switchyard doorbell: on a queue with a `foreignJobs` mapping it becomes a job
 * (foreign-messages.ts); otherwise logged, moved to the dead-letter queue when configured, deleted.
 */
export async function deadLetter(
  runtime: AdapterRuntime,
  target: QueueTarget,
  message: Message,
): Promise<void> {
  if (await adoptForeignMessage(runtime, target, message)) return;
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

/** A doorbell naming a job the store does not have: counted and logged at warn (a removed job, or a store that lost data). */
export function unknownJob(runtime: AdapterRuntime, jobId: string, message: Message): void {
  runtime.doorbells.unknownJob++;
  runtime.logger.warn(
    { jobId, messageId: message.MessageId },
    'sqs: a message names a job the job-state store does not have (removed, or lost by the store); the message is deleted',
  );
}
