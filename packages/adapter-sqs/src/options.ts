/** Options of `sqsAdapter`, and their validation (pure). */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { checkForeignJobsOption, InvalidOptionsError } from '@switchyard/core';
import type { ForeignJobsOption } from './foreign-jobs.js';
import type { JobStateStore } from './store/types.js';

/** SQS's own limit on one message (and the default cap on a payload, see `maxPayloadBytes`). */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;

/** Options of `sqsAdapter`. */
export interface SqsAdapterOptions {
  /** An `SQSClient` from `@aws-sdk/client-sqs` v3 (you own it; `close()` does not destroy it). */
  client: SQSClient;
  /** Where job records, results, flags and schedules live: `redisStore(...)` in production, `memoryStore()` in development. */
  store: JobStateStore;
  /**
   * FIFO queues: strict order within a message group (`MessageGroupId` from a job's metadata),
   * and one message per ReceiveMessage. Default false (standard queues: strict priority order).
   */
  fifo?: boolean | FifoOptions;

  /** Prefix of every SQS queue name: `${queuePrefix}-${queue}-p0`. Default `'switchyard'`. */
  queuePrefix?: string;
  /** Create missing SQS queues (CreateQueue); when false they must exist (GetQueueUrl). Default true. */
  createQueues?: boolean;
  /** Switchyard queues whose SQS queues `start()` creates/resolves up front (others are resolved on first use). */
  queues?: string[];
  /** Long-poll wait of ReceiveMessage when idle, 0..20 s. Default 20 (use 1 in tests). */
  waitTimeSeconds?: number;
  /** How long a message of a paused queue stays hidden before it is looked at again, and how often an all-paused consumer re-checks. Default 5000 ms. */
  pausedRecheckMs?: number;
  /** Queue URL where foreign / undecodable messages are moved; without it they are logged and deleted. */
  deadLetterQueueUrl?: string;
  /**
   * Queues whose messages any SQS producer sends (a plain `SendMessage`, S3 / SNS notifications), and how
   * such a message becomes a Switchyard job: `{ task }` (payload = the body, parsed when JSON) or a
   * function of the raw SQS message. See docs/adapters/sqs.md, "Works with your tools".
   */
  foreignJobs?: ForeignJobsOption;
  /** Largest payload accepted, in bytes. Default 1 MiB (SQS's message limit; the payload itself lives in the store). */
  maxPayloadBytes?: number;
  /** Attributes for queues the adapter creates (e.g. `KmsMasterKeyId`). */
  queueAttributes?: Record<string, string>;
  /** How often finished jobs past their retention are removed. Default 60000 ms. */
  retentionSweepIntervalMs?: number;
  /**
   * A job waiting longer than SQS keeps messages gets a fresh message (a hop) once its message is
   * this old; keep it below your queues' MessageRetentionPeriod (default 4 days). Default 259200 s (3 days).
   */
  maxMessageAgeSeconds?: number;
  /**
   * How often waiting jobs that no message stands for are looked for (a producer that died between
   * storing jobs and sending their messages, a message lost outside the adapter). Standard queues:
   * each consumer checks its queues, and one with ready jobs nobody claimed from for a whole
   * interval gets fresh tickets. FIFO: jobs whose message was not confirmed sent within an interval
   * get it again. Default 30000 ms.
   */
  doorbellSweepIntervalMs?: number;
  /**
   * Most jobs one SQS message (a ticket message) stands for. The jobs due now of one `enqueue`
   * call share messages of up to this many tickets: one send, receive and delete serve them all.
   * 1 gives every job its own message. Standard queues only (FIFO keeps one job per message).
   * Default 10, at most 100.
   */
  jobsPerMessage?: number;
}

/** How FIFO mode picks a job's message group. */
export interface FifoOptions {
  /** Metadata key whose value is the job's `MessageGroupId`. Default `'groupId'`. */
  groupMetadataKey?: string;
  /** Group of jobs without that metadata key. Default `'default'`. */
  defaultGroupId?: string;
}

/** Options with defaults applied. */
export interface ResolvedOptions {
  client: SQSClient;
  store: JobStateStore;
  queuePrefix: string;
  createQueues: boolean;
  queues: string[];
  fifo: Required<FifoOptions> | null;
  /**
   * Standard queues: `'strict'` (tickets, the store's ready index decides). FIFO queues:
   * `'best-effort'` across the queue (each message names its job; order holds within a group).
   */
  ordering: 'strict' | 'best-effort';
  doorbellSweepIntervalMs: number;
  waitTimeSeconds: number;
  pausedRecheckMs: number;
  deadLetterQueueUrl?: string;
  foreignJobs?: ForeignJobsOption;
  maxPayloadBytes: number;
  queueAttributes: Record<string, string>;
  retentionSweepIntervalMs: number;
  maxMessageAgeSeconds: number;
  jobsPerMessage: number;
}

/** Validates options and applies defaults; throws `InvalidOptionsError` naming the bad option. */
export function resolveOptions(options: SqsAdapterOptions): ResolvedOptions {
  if (!options || typeof options !== 'object') throw new InvalidOptionsError('sqs: options are required');
  if (!options.client || typeof (options.client as { send?: unknown }).send !== 'function') {
    throw new InvalidOptionsError('sqs: options.client must be an SQSClient from @aws-sdk/client-sqs');
  }
  if (!options.store || typeof options.store.insertJobs !== 'function') {
    throw new InvalidOptionsError(
      'sqs: options.store must be a JobStateStore (redisStore() or memoryStore())',
    );
  }
  const queuePrefix = options.queuePrefix ?? 'switchyard';
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(queuePrefix)) {
    throw new InvalidOptionsError(
      `sqs: queuePrefix must match [A-Za-z0-9_-]{1,40}, got ${JSON.stringify(queuePrefix)}`,
    );
  }
  refuseRemovedOptions(options);
  const fifo = resolveFifo(options.fifo);
  if (fifo && options.jobsPerMessage !== undefined && options.jobsPerMessage !== 1) {
    throw new InvalidOptionsError(
      'sqs: FIFO mode sends one job per message (a group keeps its order one message at a time); drop jobsPerMessage',
    );
  }
  const ordering = fifo ? 'best-effort' : 'strict';
  if (
    ordering === 'strict' &&
    (typeof options.store.claimHeads !== 'function' || typeof options.store.missingTickets !== 'function')
  ) {
    throw new InvalidOptionsError(
      `sqs: standard queues run jobs in strict order from the store's ready index, which needs a job-state store with claimHeads and missingTickets (redisStore() and memoryStore() have them); the ${options.store.name} store has not`,
    );
  }
  const jobsPerMessage = fifo ? 1 : integerIn(options.jobsPerMessage ?? 10, 1, 100, 'jobsPerMessage');
  const waitTimeSeconds = integerIn(options.waitTimeSeconds ?? 20, 0, 20, 'waitTimeSeconds');
  const pausedRecheckMs = integerIn(options.pausedRecheckMs ?? 5_000, 10, 43_200_000, 'pausedRecheckMs');
  const maxPayloadBytes = integerIn(
    options.maxPayloadBytes ?? SQS_MAX_MESSAGE_BYTES,
    1,
    512 * 1024 * 1024,
    'maxPayloadBytes',
  );
  const retentionSweepIntervalMs = integerIn(
    options.retentionSweepIntervalMs ?? 60_000,
    10,
    86_400_000,
    'retentionSweepIntervalMs',
  );
  return {
    client: options.client,
    store: options.store,
    queuePrefix,
    createQueues: options.createQueues ?? true,
    queues: options.queues ?? [],
    fifo,
    ordering,
    doorbellSweepIntervalMs: integerIn(
      options.doorbellSweepIntervalMs ?? 30_000,
      10,
      86_400_000,
      'doorbellSweepIntervalMs',
    ),
    waitTimeSeconds,
    pausedRecheckMs,
    ...(options.deadLetterQueueUrl ? { deadLetterQueueUrl: options.deadLetterQueueUrl } : {}),
    ...(options.foreignJobs !== undefined
      ? {
          foreignJobs: checkForeignJobsOption(options.foreignJobs, {
            adapter: 'sqs',
            raw: 'the SQS message',
          }),
        }
      : {}),
    maxPayloadBytes,
    queueAttributes: options.queueAttributes ?? {},
    retentionSweepIntervalMs,
    maxMessageAgeSeconds: integerIn(
      options.maxMessageAgeSeconds ?? 259_200,
      60,
      1_209_600,
      'maxMessageAgeSeconds',
    ),
    jobsPerMessage,
  };
}

/** Options of earlier versions that no longer exist: refused with what replaced them, never ignored. */
function refuseRemovedOptions(options: SqsAdapterOptions): void {
  const given = options as SqsAdapterOptions & { priorityBands?: unknown; ordering?: unknown };
  if (given.priorityBands !== undefined) {
    throw new InvalidOptionsError(
      "sqs: priorityBands was removed: jobs run in strict priority order from the store's ready index, with one SQS queue per Switchyard queue; drop the option (see docs/adapters/sqs.md)",
    );
  }
  if (given.ordering !== undefined) {
    throw new InvalidOptionsError(
      'sqs: ordering is not an option: standard queues always run jobs in strict priority, then runAt, then enqueue order; FIFO queues keep order within a message group',
    );
  }
}

function resolveFifo(fifo: SqsAdapterOptions['fifo']): Required<FifoOptions> | null {
  if (!fifo) return null;
  const settings = fifo === true ? {} : fifo;
  const defaultGroupId = settings.defaultGroupId ?? 'default';
  if (!/^[\x21-\x7e]{1,128}$/.test(defaultGroupId)) {
    throw new InvalidOptionsError(
      `sqs: fifo.defaultGroupId must be 1..128 printable ASCII characters, got ${JSON.stringify(defaultGroupId)}`,
    );
  }
  return { groupMetadataKey: settings.groupMetadataKey ?? 'groupId', defaultGroupId };
}

function integerIn(value: unknown, min: number, max: number, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionsError(
      `sqs: ${name} must be an integer ${min}..${max}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}
