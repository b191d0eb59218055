/**
 * The operations part of the Redis store (search steps, bulk removal, queue statistics,
 * workers registry, throughput history), as functions of one connection and namespace.
 *
 * Keys (under the namespace): `workers` (sorted set id → expiry) and `workers:data` (hash
 * id → entry); `pending:<queue>` (sorted set id → runAt, kept by the job scripts);
 * `hist:m:<minute>` / `hist:h:<hour>` (hashes of counts, see `history-fields.ts`) with
 * `hist:idx:m` / `hist:idx:h` (sorted sets of bucket starts); `events` (stream).
 */
import { bucketStart, type HistoryCell, type JobState } from '@switchyard/core';
import type { Redis } from 'ioredis';
import { cellIncrements, cellsFromFields } from './history-fields.js';
import type { HistoryRange, JobScan, JobScanResult, StoredQueueStats } from './operations-types.js';
import { LIST_WORKERS, PRUNE_HISTORY, QUEUE_STATS, READ_HISTORY, SCAN_JOBS } from './redis-ops-scripts.js';
import { DELETE_JOBS_IN } from './redis-scripts.js';
import { emptyCounts, lifecycleOf, type StoredJob } from './types.js';

/** Scripts of the operations part, as ioredis exposes them once defined. */
export interface OperationCommands {
  syScanJobs(...args: string[]): Promise<[number, string, number, string[]]>;
  syDeleteJobsIn(...args: string[]): Promise<string[]>;
  syQueueStats(...args: string[]): Promise<Array<[string, string[], string, number]>>;
  syListWorkers(...args: string[]): Promise<string[]>;
  syReadHistory(...args: string[]): Promise<Array<[string, string[]]>>;
  syPruneHistory(...args: string[]): Promise<number>;
}

/** Registers the operations scripts on a connection. */
export function defineOperationScripts(client: Redis): void {
  client.defineCommand('syScanJobs', { numberOfKeys: 1, lua: SCAN_JOBS });
  client.defineCommand('syDeleteJobsIn', { numberOfKeys: 1, lua: DELETE_JOBS_IN });
  client.defineCommand('syQueueStats', { numberOfKeys: 1, lua: QUEUE_STATS });
  client.defineCommand('syListWorkers', { numberOfKeys: 1, lua: LIST_WORKERS });
  client.defineCommand('syReadHistory', { numberOfKeys: 1, lua: READ_HISTORY });
  client.defineCommand('syPruneHistory', { numberOfKeys: 1, lua: PRUNE_HISTORY });
}

/** A connection with the scripts, its namespace and the key that routes scripts. */
export interface RedisScope {
  redis: Redis & OperationCommands;
  ns: string;
  routingKey: string;
}

const JOB_FIELDS = 11;

/** One search step (see `SCAN_JOBS`). */
export async function scanJobs({ redis, ns, routingKey }: RedisScope, scan: JobScan): Promise<JobScanResult> {
  const states = scan.states ?? [];
  const [examined, last, exhausted, rows] = await redis.syScanJobs(
    routingKey,
    ns,
    scan.before ?? '',
    String(scan.examine),
    String(scan.want),
    scan.queue ?? '',
    scan.task ?? '',
    scan.finishedBefore === undefined ? '' : String(scan.finishedBefore),
    scan.createdAfter === undefined ? '' : String(scan.createdAfter),
    scan.createdBefore === undefined ? '' : String(scan.createdBefore),
    String(states.length),
    ...states,
    String(scan.contains?.length ?? 0),
    ...(scan.contains ?? []),
  );
  const jobs: StoredJob[] = [];
  for (let index = 0; index + JOB_FIELDS <= rows.length; index += JOB_FIELDS) {
    const [id, data, version, state, queue, task, uniqueKey, attempt, startedAt, leaseToken, movedOff] =
      rows.slice(index, index + JOB_FIELDS);
    jobs.push({
      id: id!,
      data: data!,
      version: Number(version),
      state: state as JobState,
      queue: queue!,
      task: task!,
      uniqueKey: uniqueKey!,
      ...lifecycleOf(attempt, startedAt, leaseToken, movedOff),
    });
  }
  return { jobs, examined, ...(last === '' ? {} : { last }), exhausted: exhausted === 1 };
}

/** Deletes the jobs of `ids` still in one of `states` (see `DELETE_JOBS_IN`). */
export async function deleteJobsIn(
  { redis, ns, routingKey }: RedisScope,
  ids: string[],
  states: JobState[],
): Promise<string[]> {
  if (ids.length === 0 || states.length === 0) return [];
  return redis.syDeleteJobsIn(routingKey, ns, String(states.length), ...states, ...ids);
}

/** Counts, oldest pending runAt and pause flag of every queue, in one script call. */
export async function queueStats({ redis, ns, routingKey }: RedisScope): Promise<StoredQueueStats[]> {
  const rows = await redis.syQueueStats(routingKey, ns);
  return rows
    .map(([queue, flat, oldest, paused]) => {
      const counts = emptyCounts();
      for (let index = 0; index + 1 < flat.length; index += 2) {
        const state = flat[index] as JobState;
        if (state in counts) counts[state] = Number(flat[index + 1]);
      }
      return {
        queue,
        counts,
        oldestPendingRunAt: oldest === '' ? null : Number(oldest),
        paused: paused === 1,
      };
    })
    .sort((a, b) => (a.queue < b.queue ? -1 : a.queue > b.queue ? 1 : 0));
}

/** Inserts or refreshes a worker's entry (one MULTI: expiry and data). */
export async function putWorker(
  scope: RedisScope,
  id: string,
  data: string,
  expiresAtMs: number,
): Promise<void> {
  const { redis, ns } = scope;
  await redis.multi().zadd(`${ns}:workers`, expiresAtMs, id).hset(`${ns}:workers:data`, id, data).exec();
}

/** Deletes a worker's entry. */
export async function removeWorker({ redis, ns }: RedisScope, id: string): Promise<void> {
  await redis.multi().zrem(`${ns}:workers`, id).hdel(`${ns}:workers:data`, id).exec();
}

/** Live workers' data (expired entries are deleted on the way). */
export async function listWorkers({ redis, ns, routingKey }: RedisScope, nowMs: number): Promise<string[]> {
  return redis.syListWorkers(routingKey, ns, String(nowMs));
}

const BUCKETS = [
  ['m', '1m', 60_000],
  ['h', '1h', 3_600_000],
] as const;

/**
 * Adds cells to their minute and hour hashes: HINCRBYs, a TTL and the bucket index, all in one
 * MULTI (one round trip, and a retried record after a failure cannot count twice).
 */
export async function recordHistory(
  { redis, ns }: RedisScope,
  cells: HistoryCell[],
  retentionMs: number,
): Promise<void> {
  const increments = new Map<
    string,
    { kind: string; at: number; ttl: number; fields: Map<string, number> }
  >();
  for (const cell of cells) {
    for (const [kind, bucket, size] of BUCKETS) {
      const at = bucketStart(cell.at, bucket);
      const key = `${ns}:hist:${kind}:${at}`;
      let entry = increments.get(key);
      if (entry === undefined) {
        // The TTL counts from the last write, a safety net behind pruning (which follows the yard's clock).
        entry = { kind, at, ttl: retentionMs + size, fields: new Map() };
        increments.set(key, entry);
      }
      for (const [field, count] of cellIncrements(cell)) {
        entry.fields.set(field, (entry.fields.get(field) ?? 0) + count);
      }
    }
  }
  const multi = redis.multi();
  let commands = 0;
  for (const [key, { kind, at, ttl, fields }] of increments) {
    if (fields.size === 0) continue;
    for (const [field, count] of fields) multi.hincrby(key, field, count);
    multi.pexpire(key, ttl);
    multi.zadd(`${ns}:hist:idx:${kind}`, at, String(at));
    commands++;
  }
  if (commands === 0) return;
  const results = (await multi.exec()) ?? [];
  for (const [error] of results) if (error) throw error;
}

/** Stored cells of a range, minute or hour buckets. */
export async function readHistory(
  { redis, ns, routingKey }: RedisScope,
  range: HistoryRange,
): Promise<HistoryCell[]> {
  const kind = range.bucket === '1h' ? 'h' : 'm';
  const buckets = await redis.syReadHistory(routingKey, ns, kind, String(range.fromMs), String(range.toMs));
  return buckets.flatMap(([at, flat]) => cellsFromFields(Number(at), flat));
}

/** Deletes buckets that ended at or before `cutoffMs`, in rounds of at most 1000 per kind. */
export async function pruneHistory({ redis, ns, routingKey }: RedisScope, cutoffMs: number): Promise<number> {
  let total = 0;
  for (let round = 0; round < 100; round++) {
    const removed = await redis.syPruneHistory(
      routingKey,
      ns,
      String(cutoffMs - BUCKETS[0][2]),
      String(cutoffMs - BUCKETS[1][2]),
    );
    total += removed;
    if (removed === 0) break;
  }
  return total;
}
