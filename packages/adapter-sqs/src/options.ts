/** Options of `sqsAdapter`, and their validation (pure). */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { InvalidOptionsError } from '@switchyard/core';
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
   * one band per queue, and one message per ReceiveMessage. Default false (standard queues).
   */
  fifo?: boolean | FifoOptions;
  /** Prefix of every SQS queue name: `${queuePrefix}-${queue}-p${band}`. Default `'switchyard'`. */
  queuePrefix?: string;
  /** Create missing SQS queues (CreateQueue); when false they must exist (GetQueueUrl). Default true. */
  createQueues?: boolean;
  /** Switchyard queues whose SQS queues `start()` creates/resolves up front (others are resolved on first use). */
  queues?: string[];
  /** Number of priority bands (separate SQS queues per Switchyard queue), 1..10. Default 3. */
  priorityBands?: number;
  /** Long-poll wait of ReceiveMessage when idle, 0..20 s. Default 20 (use 1 in tests). */
  waitTimeSeconds?: number;
  /** How long a message of a paused queue stays hidden before it is looked at again, and how often an all-paused consumer re-checks. Default 5000 ms. */
  pausedRecheckMs?: number;
  /** Queue URL where foreign / undecodable messages are moved; without it they are logged and deleted. */
  deadLetterQueueUrl?: string;
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
   * Most jobs one SQS message stands for. Jobs due now that one `enqueue` call puts on the same
   * band queue share messages of up to this many ids: one send, receive and delete serve them all.
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
  priorityBands: number;
  fifo: Required<FifoOptions> | null;
  waitTimeSeconds: number;
  pausedRecheckMs: number;
  deadLetterQueueUrl?: string;
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
  const fifo = resolveFifo(options.fifo);
  if (fifo && options.priorityBands !== undefined && options.priorityBands !== 1) {
    throw new InvalidOptionsError(
      'sqs: FIFO mode keeps one band per queue (order within a group beats priority); drop priorityBands',
    );
  }
  if (fifo && options.jobsPerMessage !== undefined && options.jobsPerMessage !== 1) {
    throw new InvalidOptionsError(
      'sqs: FIFO mode sends one job per message (a group keeps its order one message at a time); drop jobsPerMessage',
    );
  }
  const jobsPerMessage = fifo ? 1 : integerIn(options.jobsPerMessage ?? 10, 1, 100, 'jobsPerMessage');
  const priorityBands = fifo ? 1 : integerIn(options.priorityBands ?? 3, 1, 10, 'priorityBands');
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
    priorityBands,
    fifo,
    waitTimeSeconds,
    pausedRecheckMs,
    ...(options.deadLetterQueueUrl ? { deadLetterQueueUrl: options.deadLetterQueueUrl } : {}),
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
