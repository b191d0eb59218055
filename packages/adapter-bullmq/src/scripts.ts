/**
 * The adapter's own Lua scripts. They read BullMQ's key layout (pinned by the
 * bullmq ^6 dependency) to find where a job sits and to do what BullMQ has no
 * single command for, atomically: cancel a waiting job, list and count by
 * Switchyard state, compare-and-set a schedule tick.
 */

import type { ChainableCommander } from 'ioredis';
import { FIELD, knownQueuesKey } from './keys.js';
import type { RedisClient } from './options.js';

/** Finds where a job sits in its queue; `base` is `${prefix}:${queue}:`. */
const LOCATE = `
local rcall = redis.call
local function locate(base, id)
  if rcall('ZSCORE', base .. 'completed', id) then return 'completed', '' end
  if rcall('ZSCORE', base .. 'failed', id) then return 'failed', '' end
  local score = rcall('ZSCORE', base .. 'delayed', id)
  if score then return 'delayed', score end
  if rcall('ZSCORE', base .. 'prioritized', id) then return 'prioritized', '' end
  if rcall('LPOS', base .. 'active', id) then return 'active', '' end
  if rcall('LPOS', base .. 'wait', id) then return 'wait', '' end
  if rcall('LPOS', base .. 'paused', id) then return 'wait', '' end
  return 'unknown', ''
end
`;

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
 * ARGV: job keys → 0 when none exists (one multi-key EXISTS, the common case), else 1 or 0
 * per key. Keys go to EXISTS in slices, under Lua's limit on unpacked values.
 */
const EXISTING_JOBS = `
local rcall = redis.call
local count = #ARGV
local found = 0
for first = 1, count, 4000 do
  found = found + rcall('EXISTS', unpack(ARGV, first, math.min(first + 3999, count)))
end
if found == 0 then return 0 end
local out = {}
for i = 1, count do out[i] = rcall('EXISTS', ARGV[i]) end
return out
`;

/** ARGV: prefix, queue, state, task ('' = any) → ids of that queue in that Switchyard state. */
const LIST_IDS = `
local rcall = redis.call
local base = ARGV[1] .. ':' .. ARGV[2] .. ':'
local state = ARGV[3]
local task = ARGV[4]
local ids = {}
local function keep(id)
  if string.sub(id, 1, 2) == '0:' then return end
  if state == 'scheduled' or state == 'retrying' then
    local started = tonumber(rcall('HGET', base .. id, 'ats') or '0') or 0
    if (state == 'retrying') ~= (started > 0) then return end
  elseif state == 'failed' or state == 'cancelled' then
    local cancelled = rcall('HGET', base .. id, '${FIELD.state}') == 'cancelled'
    if (state == 'cancelled') ~= cancelled then return end
  end
  if task ~= '' and rcall('HGET', base .. id, 'name') ~= task then return end
  ids[#ids + 1] = id
end
local function fromList(key) for _, id in ipairs(rcall('LRANGE', key, 0, -1)) do keep(id) end end
local function fromZset(key) for _, id in ipairs(rcall('ZRANGE', key, 0, -1)) do keep(id) end end
if state == 'pending' then
  fromList(base .. 'wait'); fromList(base .. 'paused'); fromZset(base .. 'prioritized')
elseif state == 'running' then fromList(base .. 'active')
elseif state == 'scheduled' or state == 'retrying' then fromZset(base .. 'delayed')
elseif state == 'completed' then fromZset(base .. 'completed')
else fromZset(base .. 'failed') end
return ids
`;

/** ARGV: prefix, queue → counts {scheduled, pending, running, retrying, completed, failed, cancelled}. */
const COUNT_STATES = `
local rcall = redis.call
local base = ARGV[1] .. ':' .. ARGV[2] .. ':'
local pending = rcall('LLEN', base .. 'wait') + rcall('LLEN', base .. 'paused') + rcall('ZCARD', base .. 'prioritized')
local scheduled, retrying, failed, cancelled = 0, 0, 0, 0
for _, id in ipairs(rcall('ZRANGE', base .. 'delayed', 0, -1)) do
  if (tonumber(rcall('HGET', base .. id, 'ats') or '0') or 0) > 0 then retrying = retrying + 1 else scheduled = scheduled + 1 end
end
for _, id in ipairs(rcall('ZRANGE', base .. 'failed', 0, -1)) do
  if rcall('HGET', base .. id, '${FIELD.state}') == 'cancelled' then cancelled = cancelled + 1 else failed = failed + 1 end
end
return {scheduled, pending, rcall('LLEN', base .. 'active'), retrying, rcall('ZCARD', base .. 'completed'), failed, cancelled}
`;

/**
 * ARGV: prefix, id, now, queue... → 'cancelled' | 'requested' | 'finished' | 'not_found'.
 * A waiting job leaves its list/set for BullMQ's failed set, marked cancelled, and frees
 * its deduplication (unique) key; a running job gets the cancel flag its holder polls.
 */
const CANCEL_JOB = `${LOCATE}
local id = ARGV[2]
local now = ARGV[3]
for i = 4, #ARGV do
  local base = ARGV[1] .. ':' .. ARGV[i] .. ':'
  local jobKey = base .. id
  if rcall('EXISTS', jobKey) == 1 then
    local place = locate(base, id)
    if place == 'completed' or place == 'failed' then return 'finished' end
    if place == 'active' then
      rcall('HSET', jobKey, '${FIELD.cancel}', '1')
      return 'requested'
    end
    if place == 'delayed' then rcall('ZREM', base .. 'delayed', id)
    elseif place == 'prioritized' then rcall('ZREM', base .. 'prioritized', id)
    elseif place == 'wait' then rcall('LREM', base .. 'wait', 0, id); rcall('LREM', base .. 'paused', 0, id)
    else return 'not_found' end
    rcall('HSET', jobKey, '${FIELD.state}', 'cancelled', 'finishedOn', now, 'failedReason', 'job was cancelled')
    rcall('ZADD', base .. 'failed', now, id)
    local dedupId = rcall('HGET', jobKey, 'deid')
    if dedupId then
      local dedupKey = base .. 'de:' .. dedupId
      if rcall('GET', dedupKey) == id then rcall('DEL', dedupKey) end
    end
    rcall('XADD', base .. 'events', 'MAXLEN', '~', 10000, '*', 'event', 'failed', 'jobId', id,
      'failedReason', 'job was cancelled', 'prev', place)
    return 'cancelled'
  end
end
return 'not_found'
`;

/**
 * ARGV: prefix, id, queue... → {queue, hgetall} when the job is failed or cancelled and was
 * made ready for BullMQ's reprocess (outcome, attempts and adapter fields cleared, unique key
 * re-taken when free); else {'', place}, or false when absent.
 */
const PREPARE_RETRY = `${LOCATE}
local id = ARGV[2]
for i = 3, #ARGV do
  local base = ARGV[1] .. ':' .. ARGV[i] .. ':'
  local jobKey = base .. id
  if rcall('EXISTS', jobKey) == 1 then
    local place = locate(base, id)
    if place ~= 'failed' then return {'', place} end
    rcall('HDEL', jobKey, '${FIELD.error}', '${FIELD.state}', '${FIELD.cancel}', '${FIELD.runAt}', 'stacktrace', 'defa',
      'progress', 'returnvalue', 'failedReason', 'finishedOn', 'processedOn', 'ats', 'atm')
    rcall('HSET', jobKey, 'stc', 0)
    local dedupId = rcall('HGET', jobKey, 'deid')
    if dedupId then rcall('SET', base .. 'de:' .. dedupId, id, 'NX') end
    return {ARGV[i], rcall('HGETALL', jobKey)}
  end
end
return false
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
 * ARGV: prefix, queue, id, token → 1 when the job went back to the front of its
 * priority band with its delivery not counted (BullMQ's moveJobFromActiveToWait,
 * plus giving back the attempt and the stall mark atomically); 0 when the lease was lost.
 */
const RELEASE_JOB = `
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
local meta = rcall('HMGET', base .. 'meta', 'paused', 'concurrency')
local blocked = meta[1] or (meta[2] and rcall('LLEN', base .. 'active') >= tonumber(meta[2]))
if not blocked then rcall('ZADD', base .. 'marker', 0, '0') end
rcall('XADD', base .. 'events', 'MAXLEN', '~', 10000, '*', 'event', 'waiting', 'jobId', id, 'prev', 'active')
return 1
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
  syExistingJobs: { numberOfKeys: 1, lua: EXISTING_JOBS },
  syListIds: { numberOfKeys: 1, lua: LIST_IDS },
  syCountStates: { numberOfKeys: 1, lua: COUNT_STATES },
  syCancelJob: { numberOfKeys: 1, lua: CANCEL_JOB },
  syPrepareRetry: { numberOfKeys: 1, lua: PREPARE_RETRY },
  syHeartbeat: { numberOfKeys: 1, lua: HEARTBEAT },
  syReleaseJob: { numberOfKeys: 1, lua: RELEASE_JOB },
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

  /** Queues, on a pipeline, the check of which job keys exist (reply: 0 when none, else 1/0 per key). */
  queueExistingJobs(pipeline: ChainableCommander, jobKeys: string[]): void {
    (pipeline as unknown as Record<ScriptName, (...a: string[]) => unknown>).syExistingJobs(
      this.routingKey,
      ...jobKeys,
    );
  }

  /** Ids of one queue in one Switchyard state, optionally of one task. */
  listIds(prefix: string, queue: string, state: string, task: string): Promise<RawReply> {
    return this.run('syListIds', [prefix, queue, state, task]);
  }

  /** Counts of one queue in `JOB_STATES` order. */
  countStates(prefix: string, queue: string): Promise<RawReply> {
    return this.run('syCountStates', [prefix, queue]);
  }

  /** Cancels a waiting job, or flags a running one. */
  cancelJob(prefix: string, id: string, now: number, queues: string[]): Promise<RawReply> {
    return this.run('syCancelJob', [prefix, id, now, ...queues]);
  }

  /** Clears a failed/cancelled job's adapter fields before BullMQ reprocesses it. */
  prepareRetry(prefix: string, id: string, queues: string[]): Promise<RawReply> {
    return this.run('syPrepareRetry', [prefix, id, ...queues]);
  }

  /** Extends a held lock and reads the cancel flag. */
  heartbeat(prefix: string, queue: string, id: string, token: string, leaseMs: number): Promise<RawReply> {
    return this.run('syHeartbeat', [prefix, queue, id, token, leaseMs]);
  }

  /** Gives a held job back to its queue without consuming the attempt. */
  releaseJob(prefix: string, queue: string, id: string, token: string): Promise<RawReply> {
    return this.run('syReleaseJob', [prefix, queue, id, token]);
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
