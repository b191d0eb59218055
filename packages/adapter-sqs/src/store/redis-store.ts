/**
 * Production job-state store on Redis (ioredis). Records are hashes (`data` plus
 * indexed fields and a version), indexes are lexicographic sorted sets (ids are
 * time-ordered UUIDv7, so reverse lex order is newest first), counts are per-queue
 * hashes kept in step by the same Lua script that moves a job's state.
 */
import { AdapterError, type JobCounts, type JobState } from '@switchyard/core';
import type { Redis } from 'ioredis';
import {
  DELETE_JOB,
  GET_JOBS,
  INSERT_JOBS,
  SWAP_SCHEDULE,
  UPDATE_JOB,
  UPDATE_JOBS,
} from './redis-scripts.js';
import {
  type ClaimResult,
  emptyCounts,
  type InsertResult,
  type JobIndex,
  type JobStateStore,
  type JobWrite,
  type StoredJob,
  type VersionedWrite,
} from './types.js';

/** Options of `redisStore`. */
export interface RedisStoreOptions {
  /** An ioredis client you own (the store never quits it). Give this or `url`. */
  client?: Redis;
  /** Connection URL; the store opens and closes its own client. Default `REDIS_URL` or redis://127.0.0.1:6379. */
  url?: string;
  /** Namespace of every key, e.g. `{orders}` (braces make it a Redis Cluster hash tag). Default `switchyard-sqs`. */
  keyPrefix?: string;
}

/** Scripts registered with `defineCommand`, as ioredis exposes them. */
interface ScriptCommands {
  syInsertJobs(...args: string[]): Promise<string[]>;
  syUpdateJob(...args: string[]): Promise<number | null>;
  syUpdateJobs(...args: string[]): Promise<number[]>;
  syGetJobs(...args: string[]): Promise<string[]>;
  syDeleteJob(...args: string[]): Promise<number>;
  sySwapSchedule(...args: string[]): Promise<number>;
}

/** Creates the Redis `JobStateStore` (ioredis is an optional peer dependency, loaded on `connect()`). */
export function redisStore(options: RedisStoreOptions = {}): JobStateStore {
  return new RedisJobStateStore(options);
}

const FIELDS = ['data', 'ver', 'state', 'queue', 'task', 'uk'] as const;

class RedisJobStateStore implements JobStateStore {
  readonly name = 'redis';
  readonly durable = true;
  private readonly ns: string;
  private client: (Redis & ScriptCommands) | null = null;
  private connecting: Promise<Redis & ScriptCommands> | null = null;
  private readonly ownsClient: boolean;
  /** The latest connection-level error of a client this store opened (for diagnostics). */
  lastConnectionError: Error | null = null;

  constructor(private readonly options: RedisStoreOptions) {
    this.ns = options.keyPrefix ?? 'switchyard-sqs';
    this.ownsClient = options.client === undefined;
  }

  async connect(): Promise<void> {
    await this.redis();
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.connecting = null;
    if (!client || !this.ownsClient) return;
    try {
      await client.quit();
    } catch {
      // QUIT fails when the connection is already broken; dropping the socket is all that is left to do.
      client.disconnect(false);
    }
  }

  private redis(): Promise<Redis & ScriptCommands> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.open();
    return this.connecting;
  }

  private async open(): Promise<Redis & ScriptCommands> {
    let client: Redis;
    const url = this.options.url ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    if (this.options.client) {
      client = this.options.client;
    } else {
      const { Redis: RedisClient } = await import('ioredis').catch((cause: unknown) => {
        throw new AdapterError(
          'sqs',
          'the Redis job-state store needs the optional peer dependency "ioredis"',
          { cause },
        );
      });
      client = new RedisClient(url, {
        lazyConnect: true,
        maxRetriesPerRequest: 2,
        enableAutoPipelining: true,
      });
      // Connection errors also reject the commands waiting on them, where they are wrapped and
      // reported; this listener keeps ioredis from printing them a second time as unhandled.
      client.on('error', (error: Error) => {
        this.lastConnectionError = error;
      });
      try {
        await client.connect();
      } catch (cause) {
        client.disconnect(false);
        throw new AdapterError(
          'sqs',
          `cannot reach Redis for the job-state store at ${url} (set REDIS_URL, or start one with: docker run -p 6379:6379 redis:7)`,
          { cause },
        );
      }
    }
    client.defineCommand('syInsertJobs', { numberOfKeys: 1, lua: INSERT_JOBS });
    client.defineCommand('syUpdateJob', { numberOfKeys: 1, lua: UPDATE_JOB });
    client.defineCommand('syUpdateJobs', { numberOfKeys: 1, lua: UPDATE_JOBS });
    client.defineCommand('syGetJobs', { numberOfKeys: 1, lua: GET_JOBS });
    client.defineCommand('syDeleteJob', { numberOfKeys: 1, lua: DELETE_JOB });
    client.defineCommand('sySwapSchedule', { numberOfKeys: 1, lua: SWAP_SCHEDULE });
    this.client = client as Redis & ScriptCommands;
    return this.client;
  }

  async insertJobs(jobs: JobWrite[]): Promise<InsertResult[]> {
    if (jobs.length === 0) return [];
    const args = [this.routingKey, this.ns, String(jobs.length)];
    for (const job of jobs) {
      args.push(
        job.id,
        job.data,
        job.state,
        job.queue,
        job.task,
        job.uniqueKey,
        job.finishedAt?.toString() ?? '',
      );
    }
    const results = await (await this.redis()).syInsertJobs(...args);
    return results.map((holder) =>
      holder === '' ? { created: true } : { created: false, existingJobId: holder },
    );
  }

  async getJob(id: string): Promise<StoredJob | null> {
    const values = await (await this.redis()).hmget(this.jobKey(id), ...FIELDS);
    return toStoredJob(id, values);
  }

  async getJobs(ids: string[]): Promise<Array<StoredJob | null>> {
    if (ids.length === 0) return [];
    // One script call rather than a pipeline of HMGETs: far less client work per job.
    const flat = await (await this.redis()).syGetJobs(this.routingKey, this.ns, ...ids);
    return ids.map((id, index) => {
      const values = flat.slice(index * FIELDS.length, (index + 1) * FIELDS.length);
      // The script answers '' for missing fields; a job always has a version.
      return toStoredJob(id, values[1] === '' ? [null, null] : values);
    });
  }

  async updateJob(expectedVersion: number, job: JobWrite): Promise<number | null> {
    const version = await (await this.redis()).syUpdateJob(
      this.routingKey,
      this.ns,
      job.id,
      String(expectedVersion),
      job.data,
      job.state,
      job.finishedAt?.toString() ?? '',
    );
    return version === null ? null : Number(version);
  }

  async claimJobs(writes: VersionedWrite[]): Promise<ClaimResult[]> {
    return this.updateMany(writes, true);
  }

  async updateJobs(writes: VersionedWrite[]): Promise<Array<number | null>> {
    return (await this.updateMany(writes, false)) as Array<number | null>;
  }

  /** One script call for several compare-and-set writes, optionally refused while a queue is paused. */
  private async updateMany(writes: VersionedWrite[], unlessPaused: boolean): Promise<ClaimResult[]> {
    if (writes.length === 0) return [];
    const args = [this.routingKey, this.ns, String(writes.length)];
    for (const { expectedVersion, job } of writes) {
      args.push(
        job.id,
        String(expectedVersion),
        job.data,
        job.state,
        job.finishedAt?.toString() ?? '',
        unlessPaused ? job.queue : '',
      );
    }
    const results = await (await this.redis()).syUpdateJobs(...args);
    return results.map((result) => (result === -1 ? 'paused' : result === 0 ? null : Number(result)));
  }

  async deleteJob(id: string): Promise<boolean> {
    return (await (await this.redis()).syDeleteJob(this.routingKey, this.ns, id)) === 1;
  }

  async listJobIds(index: JobIndex, options: { before?: string; limit: number }): Promise<string[]> {
    const key = index.kind === 'all' ? `${this.ns}:idx:all` : `${this.ns}:idx:${index.kind}:${index.value}`;
    const max = options.before === undefined ? '+' : `(${options.before}`;
    return (await this.redis()).zrevrangebylex(key, max, '-', 'LIMIT', 0, options.limit);
  }

  async countJobs(queue?: string): Promise<JobCounts> {
    const redis = await this.redis();
    const queues = queue === undefined ? await redis.smembers(`${this.ns}:queues`) : [queue];
    const counts = emptyCounts();
    const pipeline = redis.pipeline();
    for (const name of queues) pipeline.hgetall(`${this.ns}:counts:${name}`);
    for (const [error, perState] of (await pipeline.exec()) ?? []) {
      if (error) throw error;
      for (const [state, value] of Object.entries(perState as Record<string, string>)) {
        if (state in counts) counts[state as JobState] += Number(value);
      }
    }
    return counts;
  }

  async finishedBefore(cutoffMs: number, limit: number): Promise<string[]> {
    return (await this.redis()).zrangebyscore(`${this.ns}:finished`, '-inf', cutoffMs, 'LIMIT', 0, limit);
  }

  async addQueues(queues: string[]): Promise<void> {
    if (queues.length > 0) await (await this.redis()).sadd(`${this.ns}:queues`, ...queues);
  }

  async listQueues(): Promise<string[]> {
    return (await (await this.redis()).smembers(`${this.ns}:queues`)).sort();
  }

  async setQueuePaused(queue: string, paused: boolean): Promise<void> {
    const redis = await this.redis();
    await redis.sadd(`${this.ns}:queues`, queue);
    if (paused) await redis.sadd(`${this.ns}:paused`, queue);
    else await redis.srem(`${this.ns}:paused`, queue);
  }

  async pausedQueues(): Promise<Set<string>> {
    return new Set(await (await this.redis()).smembers(`${this.ns}:paused`));
  }

  async putSchedule(key: string, data: string): Promise<void> {
    await (await this.redis()).hset(`${this.ns}:schedules`, key, data);
  }

  async getSchedule(key: string): Promise<string | null> {
    return (await this.redis()).hget(`${this.ns}:schedules`, key);
  }

  async listSchedules(): Promise<string[]> {
    return (await this.redis()).hvals(`${this.ns}:schedules`);
  }

  async removeSchedule(key: string): Promise<boolean> {
    return (await (await this.redis()).hdel(`${this.ns}:schedules`, key)) === 1;
  }

  async swapSchedule(key: string, expected: string, next: string): Promise<boolean> {
    return (await (await this.redis()).sySwapSchedule(this.routingKey, this.ns, key, expected, next)) === 1;
  }

  /**
   * KEYS[1] of every script: it tells a cluster client which node to run the script on. The
   * scripts touch other keys of the namespace too, which is why the namespace should be a hash tag.
   */
  private get routingKey(): string {
    return `${this.ns}:queues`;
  }

  private jobKey(id: string): string {
    return `${this.ns}:job:${id}`;
  }
}

/** Builds a `StoredJob` from an HMGET reply in `FIELDS` order, or null when the hash does not exist. */
function toStoredJob(id: string, values: Array<string | null>): StoredJob | null {
  const [data, version, state, queue, task, uniqueKey] = values;
  if (version === null || version === undefined) return null;
  return {
    id,
    data: data ?? '',
    version: Number(version),
    state: (state ?? 'failed') as JobState,
    queue: queue ?? '',
    task: task ?? '',
    uniqueKey: uniqueKey ?? '',
  };
}
