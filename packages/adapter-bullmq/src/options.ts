/** Options of `bullmqAdapter()` and how they turn into Redis connections. */
import { InvalidOptionsError } from '@switchyard/core';
import { Cluster, Redis, type RedisOptions } from 'ioredis';

/** A connection the adapter can use: a single Redis or a Redis Cluster client. */
export type RedisClient = Redis | Cluster;

/** Options for `bullmqAdapter()`. */
export interface BullmqAdapterOptions {
  /**
   * Where Redis is: an ioredis `Redis` or `Cluster` instance (the adapter duplicates it for
   * workers and never closes it), a `redis://` URL, or ioredis connection options.
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
}

/** Options after defaults and validation. */
export interface ResolvedOptions {
  prefix: string;
  maxPayloadBytes: number;
  stalledIntervalMs: number | undefined;
  retryDelayMs: number;
}

/** Default payload cap: twice core's default, well inside Redis' 512 MB string limit. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 512 * 1024;

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
  return { prefix, maxPayloadBytes, stalledIntervalMs, retryDelayMs: options.retryDelayMs ?? 1000 };
}

/** Settings every connection needs: BullMQ workers block, so commands must wait out reconnects. */
const REQUIRED: RedisOptions = { maxRetriesPerRequest: null };

/** The adapter's main client, and whether the adapter owns (and must close) it. */
export function createMainClient(connection: BullmqAdapterOptions['connection']): {
  client: RedisClient;
  owned: boolean;
} {
  if (connection instanceof Redis || connection instanceof Cluster)
    return { client: connection, owned: false };
  if (typeof connection === 'string')
    return { client: new Redis(connection, { ...REQUIRED, lazyConnect: true }), owned: true };
  return { client: new Redis({ ...connection, ...REQUIRED, lazyConnect: true }), owned: true };
}

/** A fresh connection with the same settings (for a worker, which needs its own sockets). */
export function duplicateClient(client: RedisClient): RedisClient {
  // Cluster.duplicate takes node options first and per-node options under `redisOptions`.
  if (client instanceof Cluster) {
    return client.duplicate(undefined, { redisOptions: { ...client.options.redisOptions, ...REQUIRED } });
  }
  return client.duplicate(REQUIRED);
}
