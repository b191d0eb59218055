/**
 * The adapter's own Lua scripts. They read BullMQ's key layout (pinned by the
 * bullmq ^6 dependency) to find where a job sits and to do what BullMQ has no
 * single command for, atomically: cancel, retry or remove a job keeping the
 * adapter's index and markers in step, heartbeat and release a lease,
 * compare-and-set a schedule tick. The operations scripts (search, bulk, stats,
 * history, workers, index sweep) live in `lua/` and are registered here too.
 */

import type { ChainableCommander } from 'ioredis';
import { CANCELLED_STATE, FIELD, knownQueuesKey } from './keys.js';
import { ADD_BATCH } from './lua/add-batch.js';
import { COMPLETE_BATCH } from './lua/complete-batch.js';
import { LUA_JOB_ACTIONS } from './lua/job-actions.js';
import { OPERATION_SCRIPTS, type OperationScriptName } from './lua/operations.js';
import { LUA_BULLMQ_QUEUE, LUA_LOCATE, LUA_OWN_KEY } from './lua/shared.js';
import type { RedisClient } from './options.js';

const LOCATE = `${LUA_LOCATE}${LUA_OWN_KEY}`;

/** ARGV: prefix, id, queue... → {queue, place, delayedScore, hgetall} of the first queue holding the job, or nil. */
const FIND_JOB = `${LOCATE}
local id = ARGV[2]
for i = 3, #ARGV do
  local base = ARGV[1] .. ':' .. ARGV[i] .. ':'
  if rcall('EXISTS', base .. id) == 1 then
    local place, score = locate(base, id)
    return {ARGV[i], place, score, rcall('HGETALL', base .. id)}
  end
end
return false
`;

/** ARGV: prefix, then (queue, id) pairs → one {place, delayedScore, hgetall} or false per pair. */
const READ_JOBS = `${LOCATE}
local out = {}
for i = 2, #ARGV, 2 do
  local base = ARGV[1] .. ':' .. ARGV[i] .. ':'
  local id = ARGV[i + 1]
  if rcall('EXISTS', base .. id) == 1 then
    local place, score = locate(base, id)
    out[#out + 1] = {place, score, rcall('HGETALL', base .. id)}
  else
    out[#out + 1] = false
  end
end
return out
`;

/**
 * Records queue names in the known-queue set (KEYS[1]) and reports which job keys exist.
 * ARGV: how many queue names follow, the names, then job keys → 0 when no key exists (one
 * multi-key EXISTS, the common case), else 1 or 0 per key. Names and keys go to SADD and EXISTS
 * in slices, under Lua's limit on unpacked values. One script, so a one-job enqueue sends one
 * command less than a separate SADD would.
 */
const RECORD_QUEUES_AND_FIND_JOBS = `
local rcall = redis.call
local count = #ARGV
local keysFrom = tonumber(ARGV[1]) + 2
for first = 2, keysFrom - 1, 4000 do
  rcall('SADD', KEYS[1], unpack(ARGV, first, math.min(first + 3999, keysFrom - 1)))
end
local found = 0
for first = keysFrom, count, 4000 do
  found = found + rcall('EXISTS', unpack(ARGV, first, math.min(first + 3999, count)))
end
if found == 0 then return 0 end
local out = {}
for i = keysFrom, count do out[#out + 1] = rcall('EXISTS', ARGV[i]) end
return out
`;

/**
 * ARGV: prefix, id, now, queue... → 'cancelled' | 'requested' | 'finished' | 'not_found'.
 * A waiting job leaves its list/set for BullMQ's failed set, marked cancelled, and frees
 * its deduplication (unique) key; a running job gets the cancel flag its holder polls.
 */
const CANCEL_JOB = `${LOCATE}${LUA_JOB_ACTIONS}
local id = ARGV[2]
local now = ARGV[3]
for i = 4, #ARGV do
  local base = ARGV[1] .. ':' .. ARGV[i] .. ':'
  if rcall('EXISTS', base .. id) == 1 then
    local place = locate(base, id)
    if place == 'completed' or place == 'failed' then return 'finished' end
    if place == 'active' then
      requestCancel(base, id)
      return 'requested'
    end
    if cancelWaiting(ARGV[1], ARGV[i], base, id, place, now) then return 'cancelled' end
    return 'not_found'
  end
end
return 'not_found'
`;

/**
 * ARGV: prefix, id, queue... → {queue, hgetall} when the failed or cancelled job went back
 * to waiting with a fresh attempt budget (see `retryFinished`); {'', place} when it is in
 * another state; false when absent.
 */
const RETRY_JOB = `${LOCATE}${LUA_JOB_ACTIONS}
local id = ARGV[2]
for i = 3, #ARGV do
  local base = ARGV[1] .. ':' .. ARGV[i] .. ':'
  if rcall('EXISTS', base .. id) == 1 then
    local place = locate(base, id)
    if place ~= 'failed' then return {'', place} end
    retryFinished(ARGV[1], ARGV[i], base, id)
    return {ARGV[i], rcall('HGETALL', base .. id)}
  end
end
return false
`;

/**
 * ARGV: prefix, id, queue... → 1 when the job was deleted (its unique key freed); 0 when it is
 * absent or locked by a running worker (BullMQ's `Queue.remove` refuses those too).
 */
const REMOVE_JOB = `${LOCATE}${LUA_JOB_ACTIONS}
local id = ARGV[2]
for i = 3, #ARGV do
  local base = ARGV[1] .. ':' .. ARGV[i] .. ':'
  if rcall('EXISTS', base .. id) == 1 then
    if rcall('EXISTS', base .. id .. ':lock') == 1 then return 0 end
    removeJob(ARGV[1], ARGV[i], base, id, (locate(base, id)))
    return 1
  end
end
return 0
`;

/**
 * ARGV: prefix, queue, id, token, leaseMs → {held, cancelRequested}. Extends the lock
 * when this token still holds it (BullMQ's lock manager renews it too).
 */
const HEARTBEAT = `
local jobKey = ARGV[1] .. ':' .. ARGV[2] .. ':' .. ARGV[3]
local held = 0
if redis.call('GET', jobKey .. ':lock') == ARGV[4] then
  redis.call('PEXPIRE', jobKey .. ':lock', ARGV[5])
  held = 1
end
return {held, redis.call('HGET', jobKey, '${FIELD.cancel}') or ''}
`;

/**
 * ARGV: prefix, queue, id, token, progress JSON → 1 when stored; 0 when the lock is no longer
 * this lease's (a frozen worker woken after its job was redelivered must not write it).
 */
const PROGRESS = `
local jobKey = ARGV[1] .. ':' .. ARGV[2] .. ':' .. ARGV[3]
if redis.call('GET', jobKey .. ':lock') ~= ARGV[4] then return 0 end
redis.call('HSET', jobKey, 'progress', ARGV[5])
return 1
`;

/**
 * ARGV: prefix, queue, id, token → 1 when the job went back to the front of its
 * priority band with its delivery not counted (BullMQ's moveJobFromActiveToWait,
 * plus giving back the attempt and the stall mark atomically); 0 when the lease was lost.
 */
const RELEASE_JOB = `${LUA_BULLMQ_QUEUE}
local rcall = redis.call
local base = ARGV[1] .. ':' .. ARGV[2] .. ':'
local id = ARGV[3]
local jobKey = base .. id
if rcall('GET', jobKey .. ':lock') ~= ARGV[4] then return 0 end
if rcall('LREM', base .. 'active', 1, id) == 0 then return 0 end
rcall('DEL', jobKey .. ':lock')
rcall('SREM', base .. 'stalled', id)
rcall('HINCRBY', jobKey, 'ats', -1)
rcall('HSET', jobKey, 'stc', 0)
local priority = tonumber(rcall('HGET', jobKey, 'priority')) or 0
if priority > 0 then
  rcall('ZADD', base .. 'prioritized', priority * 0x100000000, id)
else
  rcall('RPUSH', base .. 'wait', id)
end
wakeWorkers(base)
rcall('XADD', base .. 'events', 'MAXLEN', '~', 10000, '*', 'event', 'waiting', 'jobId', id, 'prev', 'active')
return 1
`;

/**
 * ARGV: prefix, queue, id, token → 'fresh' when the delivered job had finished and was put back
 * by a BullMQ tool (see \`tool-actions.ts\`) and now starts a fresh attempt budget; '' otherwise.
 */
const CHECK_PUT_BACK = `${LOCATE}${LUA_JOB_ACTIONS}
local base = ARGV[1] .. ':' .. ARGV[2] .. ':'
local f = rcall('HMGET', base .. ARGV[3], 'atm', '${FIELD.attemptsMade}', '${FIELD.state}')
local putBack = (tonumber(f[1]) or 0) ~= (tonumber(f[2]) or 0) or f[3] == '${CANCELLED_STATE}'
if putBack and restartBudget(ARGV[1], ARGV[2], base, ARGV[3], ARGV[4]) then return 'fresh' end
return ''
`;

/** KEYS[1] schedule hash; ARGV: from, to (ms) → 1 when nextRunAt was `from` and is now `to`. */
const ADVANCE_SCHEDULE = `
if redis.call('HGET', KEYS[1], 'nextRunAt') == ARGV[1] then
  redis.call('HSET', KEYS[1], 'nextRunAt', ARGV[2], 'lastRunAt', ARGV[1])
  return 1
end
return 0
`;

/** KEYS[1] schedule hash; ARGV: '1'|'0' → 1 when the schedule exists. */
const SET_SCHEDULE_PAUSED = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], 'paused', ARGV[1])
  return 1
end
return 0
`;

const DEFINITIONS = {
  syFindJob: { numberOfKeys: 1, lua: FIND_JOB },
  syReadJobs: { numberOfKeys: 1, lua: READ_JOBS },
  syRecordQueuesFindJobs: { numberOfKeys: 1, lua: RECORD_QUEUES_AND_FIND_JOBS },
  syCancelJob: { numberOfKeys: 1, lua: CANCEL_JOB },
  syRetryJob: { numberOfKeys: 1, lua: RETRY_JOB },
  syRemoveJob: { numberOfKeys: 1, lua: REMOVE_JOB },
  ...OPERATION_SCRIPTS,
  syHeartbeat: { numberOfKeys: 1, lua: HEARTBEAT },
  syProgress: { numberOfKeys: 1, lua: PROGRESS },
  syReleaseJob: { numberOfKeys: 1, lua: RELEASE_JOB },
  syCheckPutBack: { numberOfKeys: 1, lua: CHECK_PUT_BACK },
  syCompleteBatch: { numberOfKeys: 1, lua: COMPLETE_BATCH },
  syAddBatch: { numberOfKeys: 1, lua: ADD_BATCH },
  syAdvanceSchedule: { numberOfKeys: 1, lua: ADVANCE_SCHEDULE },
  sySetSchedulePaused: { numberOfKeys: 1, lua: SET_SCHEDULE_PAUSED },
} as const;

type ScriptName = keyof typeof DEFINITIONS;
type RawReply = unknown;

/** Typed access to the adapter's scripts on one client (ioredis caches them with EVALSHA). */
export class Scripts {
  /**
   * Every script declares one key, so Redis Cluster routes it to the slot of the prefix's
   * hash tag (all of a prefix's keys share it when the prefix is tagged, e.g. `{sy}`).
   */
  private readonly routingKey: string;

  constructor(
    private readonly client: RedisClient,
    prefix: string,
  ) {
    this.routingKey = knownQueuesKey(prefix);
    for (const [name, definition] of Object.entries(DEFINITIONS)) {
      if (!(name in client)) client.defineCommand(name, definition);
    }
  }

  private run(name: ScriptName, args: Array<string | number>, key = this.routingKey): Promise<RawReply> {
    const command = (
      this.client as unknown as Record<ScriptName, (...a: Array<string | number>) => Promise<RawReply>>
    )[name];
    return command.apply(this.client, [key, ...args]);
  }

  /** Where a job is, probing `queues` in order. */
  findJob(prefix: string, id: string, queues: string[]): Promise<RawReply> {
    return this.run('syFindJob', [prefix, id, ...queues]);
  }

  /** Reads several jobs whose queue is known. */
  readJobs(prefix: string, pairs: Array<[queue: string, id: string]>): Promise<RawReply> {
    return this.run('syReadJobs', [prefix, ...pairs.flat()]);
  }

  /**
   * Queues, on a pipeline, the recording of `queueNames` as known queues and the check of which
   * job keys exist (reply: 0 when none, else 1/0 per key).
   */
  queueRecordQueuesFindJobs(pipeline: ChainableCommander, queueNames: string[], jobKeys: string[]): void {
    (
      pipeline as unknown as Record<ScriptName, (...a: Array<string | number>) => unknown>
    ).syRecordQueuesFindJobs(this.routingKey, queueNames.length, ...queueNames, ...jobKeys);
  }

  /** Cancels a waiting job, or flags a running one. */
  cancelJob(prefix: string, id: string, now: number, queues: string[]): Promise<RawReply> {
    return this.run('syCancelJob', [prefix, id, now, ...queues]);
  }

  /** Puts a failed/cancelled job back to waiting with a fresh attempt budget. */
  retryJob(prefix: string, id: string, queues: string[]): Promise<RawReply> {
    return this.run('syRetryJob', [prefix, id, ...queues]);
  }

  /** Deletes a job that no worker holds. */
  removeJob(prefix: string, id: string, queues: string[]): Promise<RawReply> {
    return this.run('syRemoveJob', [prefix, id, ...queues]);
  }

  /** Runs one of the operations scripts (search, bulk, stats, history, workers, sweep). */
  call(name: OperationScriptName, args: Array<string | number>): Promise<RawReply> {
    return this.run(name, args);
  }

  /** Extends a held lock and reads the cancel flag. */
  heartbeat(prefix: string, queue: string, id: string, token: string, leaseMs: number): Promise<RawReply> {
    return this.run('syHeartbeat', [prefix, queue, id, token, leaseMs]);
  }

  /** Stores progress while the lock is still this lease's; 1 when stored. */
  progress(prefix: string, queue: string, id: string, token: string, json: string): Promise<RawReply> {
    return this.run('syProgress', [prefix, queue, id, token, json]);
  }

  /** Gives a held job back to its queue without consuming the attempt. */
  releaseJob(prefix: string, queue: string, id: string, token: string): Promise<RawReply> {
    return this.run('syReleaseJob', [prefix, queue, id, token]);
  }

  /** On a delivery that may be of a job a tool put back: gives it a fresh budget; true when it did. */
  async checkPutBack(prefix: string, queue: string, id: string, token: string): Promise<boolean> {
    return (await this.run('syCheckPutBack', [prefix, queue, id, token])) === 'fresh';
  }

  /**
   * Completes jobs of `queue` held by this worker and fetches the next ones (see `lua/complete-batch.ts`);
   * `jobs` holds, per job, id, token, JSON return value, '1' to fetch a next one ('0' not to) and
   * its retention age in seconds ('' for none).
   */
  completeBatch(
    prefix: string,
    queue: string,
    now: number,
    lockMs: number,
    jobs: string[],
  ): Promise<RawReply> {
    return this.run('syCompleteBatch', [prefix, queue, now, lockMs, ...jobs]);
  }

  /**
   * Adds prioritized jobs of `queue` (see `lua/add-batch.ts`); `jobs` holds, per job, id, name,
   * JSON data, JSON options, timestamp and priority.
   */
  addBatch(prefix: string, queue: string, jobs: Array<string | number>): Promise<RawReply> {
    return this.run('syAddBatch', [prefix, queue, ...jobs]);
  }

  /** Compare-and-set of a schedule's next tick. */
  advanceSchedule(key: string, from: number, to: number): Promise<RawReply> {
    return this.run('syAdvanceSchedule', [from, to], key);
  }

  /** Sets a schedule's paused flag when it exists. */
  setSchedulePaused(key: string, paused: boolean): Promise<RawReply> {
    return this.run('sySetSchedulePaused', [paused ? '1' : '0'], key);
  }
}
