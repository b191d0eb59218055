/**
 * Counts per state, the pause flag and the oldest pending job of several queues, in one call.
 * Counts cost O(1) per state except two splits BullMQ does not keep: `delayed` into
 * scheduled/retrying and `failed` into failed/cancelled. Those use the adapter's marker sets
 * (`::sy:retried:<queue>`, `::sy:cancelled:<queue>`) intersected with BullMQ's sets
 * (`ZINTERCARD`, linear in the smaller one; stale markers of jobs that moved on do not count).
 */
import { LUA_OWN_KEY } from './shared.js';

/**
 * ARGV: prefix, exactLimit, headPerBand, withOldest ('1'|'0'), now (ms, core's clock), queues... → per queue
 * {scheduled, pending, running, retrying, completed, failed, cancelled, paused (0|1), oldestRunAt ('' = none)}.
 *
 * The oldest pending job's runAt is exact while a queue holds at most `exactLimit` pending jobs;
 * beyond that it is the oldest among the `headPerBand` jobs at the head of each priority band
 * (the ones workers take next) and at the head of the wait list.
 */
export const QUEUE_STATS = `${LUA_OWN_KEY}
local rcall = redis.call
local prefix = ARGV[1]
local exactLimit = tonumber(ARGV[2])
local headPerBand = tonumber(ARGV[3])
local withOldest = ARGV[4] == '1'
local now = tonumber(ARGV[5])
local BAND = 4294967296

-- When a pending job became runnable: a retry's time, else the enqueue-time runAt (createdAt +
-- the delay in its options: BullMQ zeroes its \`delay\` field on promotion), never later than now
-- (a job a tool promoted early is runnable now). As the codec reads a waiting job's runAt.
local function runAtOf(key)
  local f = rcall('HMGET', key, 'syRunAt', 'timestamp', 'opts')
  local at = tonumber(f[1])
  if not at then
    local created = tonumber(f[2])
    if not created then return nil end
    local ok, opts = pcall(cjson.decode, f[3] or '{}')
    local delay = ok and type(opts) == 'table' and tonumber(opts.delay) or 0
    at = created + math.max(delay, 0)
  end
  return math.min(at, now)
end

local function oldestOf(base, pending)
  local ids = {}
  local function add(list) for _, id in ipairs(list) do ids[#ids + 1] = id end end
  if pending <= exactLimit then
    add(rcall('LRANGE', base .. 'wait', 0, -1))
    add(rcall('LRANGE', base .. 'paused', 0, -1))
    add(rcall('ZRANGE', base .. 'prioritized', 0, -1))
  else
    -- Workers take from the right end of the wait list, and the lowest score of each band.
    add(rcall('LRANGE', base .. 'wait', -headPerBand, -1))
    add(rcall('LRANGE', base .. 'paused', -headPerBand, -1))
    local low = '-inf'
    for _ = 1, 64 do
      local head = rcall('ZRANGEBYSCORE', base .. 'prioritized', low, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
      if #head == 0 then break end
      local band = math.floor(tonumber(head[2]) / BAND)
      add(rcall('ZRANGEBYSCORE', base .. 'prioritized', band * BAND, '(' .. ((band + 1) * BAND), 'LIMIT', 0, headPerBand))
      low = (band + 1) * BAND
    end
  end
  local oldest = nil
  for _, id in ipairs(ids) do
    local at = runAtOf(base .. id)
    if at and (oldest == nil or at < oldest) then oldest = at end
  end
  return oldest
end

local out = {}
for i = 6, #ARGV do
  local queue = ARGV[i]
  local base = prefix .. ':' .. queue .. ':'
  local pending = rcall('LLEN', base .. 'wait') + rcall('LLEN', base .. 'paused') + rcall('ZCARD', base .. 'prioritized')
  local delayed = rcall('ZCARD', base .. 'delayed')
  local retrying = 0
  if delayed > 0 then retrying = rcall('ZINTERCARD', 2, base .. 'delayed', ownKey(prefix, 'retried', queue)) end
  local failedAll = rcall('ZCARD', base .. 'failed')
  local cancelled = 0
  if failedAll > 0 then cancelled = rcall('ZINTERCARD', 2, base .. 'failed', ownKey(prefix, 'cancelled', queue)) end
  local paused = 0
  if rcall('HEXISTS', base .. 'meta', 'paused') == 1 then paused = 1 end
  local oldest = ''
  if withOldest and pending > 0 then oldest = tostring(oldestOf(base, pending) or '') end
  out[#out + 1] = {delayed - retrying, pending, rcall('LLEN', base .. 'active'), retrying,
    rcall('ZCARD', base .. 'completed'), failedAll - cancelled, cancelled, paused, oldest}
end
return out
`;
