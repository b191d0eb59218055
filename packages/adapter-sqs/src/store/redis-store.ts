/**
 * Production job-state store on Redis (ioredis). Records are hashes (`data` plus
 * indexed fields and a version), indexes are lexicographic sorted sets (ids are
 * time-ordered UUIDv7, so reverse lex order is newest first), counts are per-queue
 * hashes kept in step by the same Lua script that moves a job's state. The operations
 * part (workers, events, history, search, statistics) is in `redis-operations.ts` and
 * `redis-events.ts`.
 */
import { type HistoryCell, InvalidOptionsError, type JobCounts, type JobState } from '@switchyard/core';
import { redisThrottleCounters } from '@switchyard/redis-throttle';
import type { Redis } from 'ioredis';
import type { HistoryRange, JobScan, JobScanResult, StoredQueueStats } from './operations-types.js';
import {
  connectOwnClient,
  eventConnectionName,
  openEventConnection,
  type RedisClass,
  type StoreClient,
  withScripts,
} from './redis-connection.js';
import { readRedisDurability, redisDurabilityWarnings } from './redis-durability.js';
import { RedisEventStream } from './redis-events.js';
import * as operations from './redis-operations.js';
import { claimedJobs, toStoredJob, writeArgs } from './redis-replies.js';
import { READ_FIELDS } from './redis-scripts.js';
import {
  type ClaimResult,
  emptyCounts,
  type HeadClaim,
  type InsertResult,
  type JobStateStore,
  type JobWrite,
  type StoredJob,
  type ThrottleCounters,
  type TicketOutcome,
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
  /**
   * Job-event messages kept in the event stream (`XADD … MAXLEN ~`): how far back a subscriber
   * can resume after a disconnect. Default 10000, 100..1000000.
   */
  eventLogLength?: number;
}

/** Creates the Redis `JobStateStore` (ioredis is an optional peer dependency, loaded on `connect()`). */
export function redisStore(options: RedisStoreOptions = {}): JobStateStore {
  const eventLogLength = options.eventLogLength ?? 10_000;
  if (!Number.isInteger(eventLogLength) || eventLogLength < 100 || eventLogLength > 1_000_000) {
    throw new InvalidOptionsError(
      `sqs: redisStore eventLogLength must be an integer 100..1000000, got ${JSON.stringify(options.eventLogLength)}`,
    );
  }
  return new RedisJobStateStore(options, eventLogLength);
}

class RedisJobStateStore implements JobStateStore {
  readonly name = 'redis';
  readonly durable = true;
  readonly events: RedisEventStream;
  readonly throttle: ThrottleCounters;
  private readonly ns: string;
  private client: StoreClient | null = null;
  private connecting: Promise<StoreClient> | null = null;
  private readonly ownsClient: boolean;
  /** The ioredis class, once loaded (to open event connections when the store opened its own client). */
  private RedisClass: RedisClass | null = null;
  /** The latest connection-level error of a client this store opened (for diagnostics). */
  lastConnectionError: Error | null = null;

  constructor(
    private readonly options: RedisStoreOptions,
    eventLogLength: number,
  ) {
    this.ns = options.keyPrefix ?? 'switchyard-sqs';
    this.ownsClient = options.client === undefined;
    this.events = new RedisEventStream({
      key: `${this.ns}:events`,
      maxLength: eventLogLength,
      shared: () => this.redis(),
      dedicated: () => this.openEventConnection(),
    });
    this.throttle = redisThrottleCounters(() => this.redis(), `${this.ns}:throttle`);
  }

  async connect(): Promise<void> {
    await this.redis();
  }

  async durabilityWarnings(): Promise<string[]> {
    return redisDurabilityWarnings(await readRedisDurability(await this.redis()));
  }

  async close(): Promise<void> {
    await this.events.closeAll();
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

  private redis(): Promise<StoreClient> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.open().then((client) => {
      this.client = client;
      return client;
    });
    return this.connecting;
  }

  private get url(): string {
    return this.options.url ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  }

  private async open(): Promise<StoreClient> {
    const onError = (error: Error) => {
      this.lastConnectionError = error;
    };
    if (this.options.client) return withScripts(this.options.client);
    const opened = await connectOwnClient(this.url, onError);
    this.RedisClass = opened.RedisClass;
    return withScripts(opened.client);
  }

  private async openEventConnection(): Promise<Redis> {
    return openEventConnection({
      url: this.url,
      RedisClass: this.RedisClass,
      shared: await this.redis(),
      name: eventConnectionName(this.ns),
      onError: (error) => {
        this.lastConnectionError = error;
      },
    });
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
        String(job.runAt),
        String(job.createdAt),
        String(job.priority),
        String(job.attempt),
        job.unrungSince?.toString() ?? '',
      );
    }
    const results = await (await this.redis()).syInsertJobs(...args);
    return results.map((holder) =>
      holder === '' ? { created: true } : { created: false, existingJobId: holder },
    );
  }

  async getJob(id: string): Promise<StoredJob | null> {
    const values = await (await this.redis()).hmget(this.jobKey(id), ...READ_FIELDS);
    return toStoredJob(id, values);
  }

  async getJobs(ids: string[]): Promise<Array<StoredJob | null>> {
    if (ids.length === 0) return [];
    // One script call rather than a pipeline of HMGETs: far less client work per job.
    const flat = await (await this.redis()).syGetJobs(this.routingKey, this.ns, ...ids);
    const width = READ_FIELDS.length;
    return ids.map((id, index) => toStoredJob(id, flat.slice(index * width, (index + 1) * width)));
  }

  async updateJob(expectedVersion: number, job: JobWrite): Promise<number | null> {
    const version = await (await this.redis()).syUpdateJob(
      this.routingKey,
      this.ns,
      ...writeArgs(expectedVersion, job),
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
      args.push(...writeArgs(expectedVersion, job), unlessPaused ? job.queue : '');
    }
    const results = await (await this.redis()).syUpdateJobs(...args);
    return results.map((result) => (result === -1 ? 'paused' : result === 0 ? null : Number(result)));
  }

  async claimHeads(claim: HeadClaim): Promise<TicketOutcome[]> {
    if (claim.spends.length === 0) return [];
    const args = [this.routingKey, this.ns, String(claim.nowMs), String(claim.spends.length)];
    for (const spend of claim.spends) {
      args.push(spend.queue, spend.messageId, spend.receipt, String(spend.want), spend.recover ? '1' : '0');
    }
    args.push(...claim.leaseTokens);
    const replies = await (await this.redis()).syClaimHeads(...args);
    return replies.map(([status, exhausted, claimed, unsent]) => ({
      paused: status === -1,
      exhausted: exhausted === 1,
      claimed: claimedJobs(claimed),
      unsent,
    }));
  }

  async missingTickets(queue: string, nowMs: number, graceMs: number, cap: number): Promise<number> {
    return (await this.redis()).syMissingTickets(
      this.routingKey,
      this.ns,
      queue,
      String(nowMs),
      String(graceMs),
      String(cap),
    );
  }

  async markRung(ids: string[]): Promise<void> {
    if (ids.length > 0) await (await this.redis()).zrem(`${this.ns}:unrung`, ...ids);
  }

  async unrungBefore(cutoffMs: number, limit: number): Promise<string[]> {
    return (await this.redis()).zrangebyscore(`${this.ns}:unrung`, '-inf', cutoffMs, 'LIMIT', 0, limit);
  }

  async deleteJob(id: string): Promise<boolean> {
    return (await (await this.redis()).syDeleteJob(this.routingKey, this.ns, id)) === 1;
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

  async scanJobs(scan: JobScan): Promise<JobScanResult> {
    return operations.scanJobs(await this.scope(), scan);
  }

  async deleteJobsIn(ids: string[], states: JobState[]): Promise<string[]> {
    return operations.deleteJobsIn(await this.scope(), ids, states);
  }

  async queueStats(): Promise<StoredQueueStats[]> {
    return operations.queueStats(await this.scope());
  }

  async putWorker(id: string, data: string, expiresAtMs: number): Promise<void> {
    await operations.putWorker(await this.scope(), id, data, expiresAtMs);
  }

  async removeWorker(id: string): Promise<void> {
    await operations.removeWorker(await this.scope(), id);
  }

  async listWorkers(nowMs: number): Promise<string[]> {
    return operations.listWorkers(await this.scope(), nowMs);
  }

  async recordHistory(cells: HistoryCell[], retentionMs: number): Promise<void> {
    await operations.recordHistory(await this.scope(), cells, retentionMs);
  }

  async readHistory(range: HistoryRange): Promise<HistoryCell[]> {
    return operations.readHistory(await this.scope(), range);
  }

  async pruneHistory(cutoffMs: number): Promise<number> {
    return operations.pruneHistory(await this.scope(), cutoffMs);
  }

  private async scope(): Promise<operations.RedisScope> {
    return { redis: await this.redis(), ns: this.ns, routingKey: this.routingKey };
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

export { eventConnectionName };
