/** Options of `bullmqAdapter()` and how they turn into Redis connections. */
import { checkForeignJobsOption, InvalidOptionsError } from '@switchyard/core';
import type { Cluster, Redis, RedisOptions } from 'ioredis';
import type { ForeignJobsOption } from './foreign-jobs.js';

/** A connection the adapter can use: a single Redis or a Redis Cluster client. */
export type RedisClient = Redis | Cluster;

/** Options for `bullmqAdapter()`. */
export interface BullmqAdapterOptions {
  /**
   * Where Redis is: an ioredis `Redis` or `Cluster` instance (the adapter makes its own
   * connections from it with `duplicate()` and never closes yours), a `redis://` URL, or ioredis
   * connection options.
   */
  connection: RedisClient | string | RedisOptions;
  /** BullMQ key prefix (default `bull`). Use a hash tag such as `{sy}` on Redis Cluster. */
  prefix?: string;
  /** Largest serialized payload accepted, in bytes (default 512 KiB). */
  maxPayloadBytes?: number;
  /** How often a worker checks for jobs whose lease expired, in ms (default: half the lease duration). */
  stalledIntervalMs?: number;
  /** Delay before a worker retries after a Redis error, in ms (default 1000). */
  retryDelayMs?: number;
  /**
   * Job event messages kept in the event stream for subscribers to resume from
   * (approximate `MAXLEN ~` trimming; default 10,000). Each message holds a batch of events.
   */
  eventLogLength?: number;
  /**
   * Queues whose jobs may come from plain BullMQ producers (`queue.add(name, data)`): per queue
   * name, the task that runs them (`{ task: 'resize-image' }`, payload = the job's `data`) or a
   * function of the raw BullMQ job returning `{ task, payload, ... }`. Off by default: a job
   * without Switchyard's envelope is failed as malformed.
   */
  foreignJobs?: ForeignJobsOption;
}

/** Options after defaults and validation. */
export interface ResolvedOptions {
  prefix: string;
  maxPayloadBytes: number;
  stalledIntervalMs: number | undefined;
  retryDelayMs: number;
  eventLogLength: number;
  foreignJobs: ForeignJobsOption;
}

/** Default payload cap: twice core's default, well inside Redis' 512 MB string limit. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 512 * 1024;

/** Default length of the job event stream, in messages. */
export const DEFAULT_EVENT_LOG_LENGTH = 10_000;

/** Validates options and fills defaults (pure). */
export function resolveOptions(options: BullmqAdapterOptions): ResolvedOptions {
  if (!options || options.connection === undefined || options.connection === null) {
    throw new InvalidOptionsError(
      'bullmqAdapter: `connection` is required (an ioredis instance, a URL or options)',
    );
  }
  const prefix = options.prefix ?? 'bull';
  if (prefix.length === 0 || prefix.includes(' ')) {
    throw new InvalidOptionsError(`bullmqAdapter: invalid prefix "${prefix}"`);
  }
  const maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  if (!Number.isInteger(maxPayloadBytes) || maxPayloadBytes <= 0) {
    throw new InvalidOptionsError('bullmqAdapter: maxPayloadBytes must be a positive integer');
  }
  const stalledIntervalMs = options.stalledIntervalMs;
  if (stalledIntervalMs !== undefined && !(stalledIntervalMs > 0)) {
    throw new InvalidOptionsError('bullmqAdapter: stalledIntervalMs must be > 0');
  }
  const eventLogLength = options.eventLogLength ?? DEFAULT_EVENT_LOG_LENGTH;
  if (!Number.isInteger(eventLogLength) || eventLogLength < 1) {
    throw new InvalidOptionsError('bullmqAdapter: eventLogLength must be a positive integer');
  }
  const foreignJobs = checkForeignJobsOption(options.foreignJobs ?? {}, {
    adapter: 'bullmqAdapter',
    raw: 'the BullMQ job',
  });
  for (const queue of Object.keys(foreignJobs)) {
    if (!QUEUE_NAME.test(queue)) {
      throw new InvalidOptionsError(`bullmqAdapter: foreignJobs has an invalid queue name "${queue}"`);
    }
  }
  return {
    prefix,
    maxPayloadBytes,
    stalledIntervalMs,
    retryDelayMs: options.retryDelayMs ?? 1000,
    eventLogLength,
    foreignJobs,
  };
}

/** A Switchyard queue name BullMQ accepts (no `:`, its key separator). */
const QUEUE_NAME = /^[A-Za-z0-9._-]{1,128}$/;
