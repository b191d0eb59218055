/**
 * Lua functions that change one job, shared by the single-job scripts (`jobs.cancel`,
 * `jobs.retry`, `jobs.remove`) and the bulk script, so both do exactly the same thing.
 * They mirror BullMQ 6's own scripts (`reprocessJob`, `removeJob`) for jobs without
 * parents or children, and keep the adapter's id index and state markers in step.
 * Expect `LUA_LOCATE` and `LUA_OWN_KEY` before them.
 */
import { CANCELLED_REASON, CANCELLED_STATE, FIELD } from '../keys.js';
import { LUA_BULLMQ_QUEUE } from './shared.js';

export const LUA_JOB_ACTIONS = `${LUA_BULLMQ_QUEUE}
local function maxEvents(base)
  return rcall('HGET', base .. 'meta', 'opts.maxLenEvents') or 10000
end

local function freeUniqueKey(base, jobKey, id)
  local dedupId = rcall('HGET', jobKey, 'deid')
  if dedupId then
    local dedupKey = base .. 'de:' .. dedupId
    if rcall('GET', dedupKey) == id then rcall('DEL', dedupKey, base .. 'dn:' .. dedupId) end
  end
end

-- A waiting job (delayed, prioritized, wait) → BullMQ's failed set, marked cancelled.
local function cancelWaiting(prefix, queue, base, id, place, now)
  local jobKey = base .. id
  if place == 'delayed' or place == 'prioritized' then rcall('ZREM', base .. place, id)
  elseif place == 'wait' then rcall('LREM', base .. 'wait', 0, id); rcall('LREM', base .. 'paused', 0, id)
  else return false end
  rcall('HSET', jobKey, '${FIELD.state}', '${CANCELLED_STATE}', 'finishedOn', now, 'failedReason', '${CANCELLED_REASON}')
  rcall('ZADD', base .. 'failed', now, id)
  rcall('ZADD', ownKey(prefix, 'cancelled', queue), 0, id)
  freeUniqueKey(base, jobKey, id)
  rcall('XADD', base .. 'events', 'MAXLEN', '~', maxEvents(base), '*', 'event', 'failed', 'jobId', id,
    'failedReason', '${CANCELLED_REASON}', 'prev', place)
  return true
end

-- A running job: the flag its holder reads on its next heartbeat.
local function requestCancel(base, id)
  rcall('HSET', base .. id, '${FIELD.cancel}', '1')
end

-- failed/cancelled → waiting with a fresh attempt budget (BullMQ's reprocessJob with both
-- attempt counters reset, plus the adapter's fields); the unique key is re-taken when free.
local function retryFinished(prefix, queue, base, id)
  local jobKey = base .. id
  if rcall('ZREM', base .. 'failed', id) == 0 then return false end
  rcall('HDEL', jobKey, '${FIELD.error}', '${FIELD.state}', '${FIELD.cancel}', '${FIELD.runAt}',
    '${FIELD.attemptsMade}', 'stacktrace', 'defa', 'progress', 'returnvalue', 'failedReason', 'finishedOn',
    'processedOn', 'ats', 'atm')
  rcall('HSET', jobKey, 'stc', 0)
  removeMarkers(prefix, queue, id)
  local dedupId = rcall('HGET', jobKey, 'deid')
  if dedupId then rcall('SET', base .. 'de:' .. dedupId, id, 'NX') end
  local priority = tonumber(rcall('HGET', jobKey, 'priority')) or 0
  if priority == 0 then
    rcall('LPUSH', base .. 'wait', id)
  else
    local counter = rcall('INCR', base .. 'pc')
    rcall('ZADD', base .. 'prioritized', priority * 0x100000000 + counter % 0x100000000, id)
  end
  wakeWorkers(base)
  rcall('XADD', base .. 'events', 'MAXLEN', '~', maxEvents(base), '*', 'event', 'waiting', 'jobId', id,
    'prev', 'failed')
  return true
end

-- A job a BullMQ tool put back after it finished, just delivered to the holder of \`token\`: a fresh
-- attempt budget (this delivery is attempt 1), the adapter's fields and markers cleared, the unique
-- key re-taken when free, as \`retryFinished\` would have done. Returns false when the lock is not held.
local function restartBudget(prefix, queue, base, id, token)
  local jobKey = base .. id
  if rcall('GET', jobKey .. ':lock') ~= token then return false end
  rcall('HDEL', jobKey, '${FIELD.error}', '${FIELD.state}', '${FIELD.cancel}', '${FIELD.runAt}',
    '${FIELD.attemptsMade}', 'stacktrace', 'defa', 'progress', 'atm')
  rcall('HSET', jobKey, 'ats', 1, 'stc', 0)
  removeMarkers(prefix, queue, id)
  local dedupId = rcall('HGET', jobKey, 'deid')
  if dedupId then rcall('SET', base .. 'de:' .. dedupId, id, 'NX') end
  return true
end

-- Deletes a job wherever it sits (a running one loses its lock: its holder's lease is lost).
local function removeJob(prefix, queue, base, id, place)
  local jobKey = base .. id
  if place == 'active' then
    rcall('LREM', base .. 'active', 0, id)
    rcall('SREM', base .. 'stalled', id)
  elseif place == 'wait' then
    rcall('LREM', base .. 'wait', 0, id)
    rcall('LREM', base .. 'paused', 0, id)
  elseif place ~= 'unknown' then
    rcall('ZREM', base .. place, id)
  end
  freeUniqueKey(base, jobKey, id)
  rcall('DEL', jobKey, jobKey .. ':lock', jobKey .. ':logs', jobKey .. ':dependencies', jobKey .. ':processed',
    jobKey .. ':failed', jobKey .. ':unsuccessful')
  rcall('ZREM', ownKey(prefix, 'ids', queue), id)
  removeMarkers(prefix, queue, id)
  rcall('XADD', base .. 'events', 'MAXLEN', '~', maxEvents(base), '*', 'event', 'removed', 'jobId', id,
    'prev', place)
end
`;
