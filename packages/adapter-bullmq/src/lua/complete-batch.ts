/**
 * Completes several jobs of one queue and fetches the next ones in a single call: the Redis
 * writes of BullMQ's `moveToFinished` (completed) and of its fetch of the next job,
 * repeated per job, with what BullMQ does once per call (trimming the event stream, reading
 * the queue's metadata, looking for due delayed jobs, setting the wake-up marker) done once.
 *
 * It takes only BullMQ's plain path and leaves everything else to BullMQ's own script: a job
 * that has children, a parent or a deduplication id, whose lock this worker does not hold, or
 * that is not in `active`, is left untouched (reply `-1`) and the worker completes it through
 * BullMQ. Likewise it fetches nothing when the queue is paused, has a global concurrency or
 * rate limit, or has delayed jobs due (BullMQ's fetch promotes them): the worker's own loop
 * then fetches, through BullMQ. So the jobs it writes read exactly as BullMQ's own.
 *
 * Retention (`removeOnComplete: { age }`): BullMQ's completion also removes the completed jobs
 * older than the job's age. Removing a job is BullMQ's to do (its parent links, its keys), so
 * the script only looks whether any completed job is past the smallest age of the jobs it
 * completed, and says so: the worker then has BullMQ remove them (`Queue.clean`,
 * `retention-trims.ts`).
 *
 * ARGV: prefix, queue, now (ms), lock duration (ms), then per job: id, token, JSON return
 * value, '1' to fetch a next job under the same token, the retention age in seconds ('' for
 * none). Reply: `{replies, age}`, where per job `-1` (untouched), `0` (completed), or
 * `{fields, id}` (completed, and the next job taken: `HGETALL` of it); and `age` is the
 * retention age (s) past which completed jobs now wait for removal, or -1 when none do.
 */
import { LUA_BULLMQ_QUEUE } from './shared.js';

export const COMPLETE_BATCH = `${LUA_BULLMQ_QUEUE}
local rcall = redis.call
local base = ARGV[1] .. ':' .. ARGV[2] .. ':'
local now, lockMs = ARGV[3], ARGV[4]
local activeKey, eventsKey, metaKey = base .. 'active', base .. 'events', base .. 'meta'
local replies = {}

local maxEvents = getOrSetMaxEvents(metaKey)
rcall('XTRIM', eventsKey, 'MAXLEN', '~', maxEvents)

local function complete(id, token, returnValue)
  local jobKey = base .. id
  local lockKey = jobKey .. ':lock'
  if rcall('EXISTS', jobKey) == 0 or rcall('SCARD', jobKey .. ':dependencies') ~= 0
    or rcall('ZCARD', jobKey .. ':unsuccessful') ~= 0 or rcall('GET', lockKey) ~= token then
    return false
  end
  local links = rcall('HMGET', jobKey, 'parentKey', 'parent', 'deid')
  if links[1] or links[2] or links[3] then return false end
  if rcall('LREM', activeKey, -1, id) ~= 1 then return false end
  rcall('DEL', lockKey)
  rcall('SREM', base .. 'stalled', id)
  rcall('HINCRBY', jobKey, 'atm', 1)
  rcall('ZADD', base .. 'completed', now, id)
  rcall('HSET', jobKey, 'returnvalue', returnValue, 'finishedOn', now)
  rcall('XADD', eventsKey, '*', 'event', 'completed', 'jobId', id, 'returnvalue', returnValue, 'prev', 'active')
  return true
end

-- Fetching is BullMQ's to do when the queue is paused, limited, or has delayed jobs due.
local canFetch = nil
local function fetchAllowed()
  if canFetch == nil then
    local meta = rcall('HMGET', metaKey, 'paused', 'concurrency', 'max')
    local due = rcall('ZRANGEBYSCORE', base .. 'delayed', 0, (tonumber(now) + 1) * 0x1000 - 1, 'LIMIT', 0, 1)
    canFetch = not meta[1] and not meta[2] and not meta[3] and #due == 0
  end
  return canFetch
end

local function popPrioritized()
  local popped = rcall('ZPOPMIN', base .. 'prioritized')
  if #popped == 0 then
    rcall('DEL', base .. 'pc')
    return nil
  end
  rcall('LPUSH', activeKey, popped[1])
  return popped[1]
end

local fetched = false
local function fetch(token)
  local id = rcall('RPOPLPUSH', base .. 'wait', activeKey)
  if id and string.sub(id, 1, 2) == '0:' then
    -- A marker of BullMQ before v5 in the wait list: '0:0' means prioritized jobs wait.
    rcall('LREM', activeKey, 1, id)
    if id ~= '0:0' then return nil end
    id = popPrioritized()
  elseif not id then
    id = popPrioritized()
  end
  if not id then return nil end
  local jobKey = base .. id
  rcall('SET', jobKey .. ':lock', token, 'PX', lockMs)
  rcall('XADD', eventsKey, '*', 'event', 'active', 'jobId', id, 'prev', 'waiting')
  rcall('HSET', jobKey, 'processedOn', now)
  rcall('HINCRBY', jobKey, 'ats', 1)
  fetched = true
  return {rcall('HGETALL', jobKey), id}
end

local empty, withoutNext = false, false
local trimAge = nil
for i = 5, #ARGV, 5 do
  local token = ARGV[i + 1]
  if not complete(ARGV[i], token, ARGV[i + 2]) then
    replies[#replies + 1] = -1
  else
    local age = tonumber(ARGV[i + 4])
    if age and (not trimAge or age < trimAge) then trimAge = age end
    local next = nil
    if ARGV[i + 3] == '1' and not empty and fetchAllowed() then
      next = fetch(token)
      empty = next == nil
    end
    if next then
      replies[#replies + 1] = next
    else
      replies[#replies + 1] = 0
      withoutNext = true
    end
  end
end

if fetched then rcall('ZADD', base .. 'marker', 0, '0') end
-- As BullMQ: a completion that leaves nothing waiting or running announces the queue drained.
if withoutNext and rcall('LLEN', base .. 'wait') == 0 and rcall('LLEN', activeKey) == 0
  and rcall('ZCARD', base .. 'prioritized') == 0 then
  rcall('XADD', eventsKey, '*', 'event', 'drained')
end
-- BullMQ's retention removes completed jobs finished at or before now minus the age.
if trimAge and #rcall('ZRANGEBYSCORE', base .. 'completed', '-inf', tonumber(now) - trimAge * 1000, 'LIMIT', 0, 1) == 0 then
  trimAge = nil
end
return {replies, trimAge or -1}
`;
