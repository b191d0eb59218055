/**
 * Lua scripts of the Redis store's operations part: search steps over the id indexes,
 * queue statistics, the workers registry and throughput history. Same conventions as
 * `redis-scripts.ts`: ARGV[1] is the namespace, KEYS[1] only routes the call.
 */

/**
 * One search step. ARGV: ns, before ('' = from the newest), examine, want, queue, task,
 * finishedBefore, createdAfter, createdBefore ('' = none), state count, states..., substring count,
 * substrings... Walks the smallest index the filters allow
 * (every index is ordered by id, so any one continues a cursor; several state indexes are merged),
 * examines at most `examine` ids and stops once `want` jobs passed the indexed-field filter.
 * Returns { examined, last id, exhausted (0/1), { id, data, ver, state, queue, task, uk, att, sa, lt, mv, ... } }.
 */
export const SCAN_JOBS = `
local ns = ARGV[1]
local before, examine, want = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local queue, task = ARGV[5], ARGV[6]
local finishedBefore = ARGV[7] ~= '' and tonumber(ARGV[7]) or nil
local createdAfter = ARGV[8] ~= '' and tonumber(ARGV[8]) or nil
local createdBefore = ARGV[9] ~= '' and tonumber(ARGV[9]) or nil
local stateCount = tonumber(ARGV[10])
local needles = {}
for i = 1, tonumber(ARGV[11 + stateCount]) do needles[i] = ARGV[11 + stateCount + i] end
local allowed = nil
local best = { ns .. ':idx:all' }
local bestCard = redis.call('ZCARD', best[1])
local function consider(keys)
  local n = 0
  for _, key in ipairs(keys) do n = n + redis.call('ZCARD', key) end
  if n < bestCard then best, bestCard = keys, n end
end
if stateCount > 0 then
  allowed = {}
  local keys = {}
  for i = 1, stateCount do
    allowed[ARGV[10 + i]] = true
    keys[i] = ns .. ':idx:state:' .. ARGV[10 + i]
  end
  consider(keys)
end
if queue ~= '' then consider({ ns .. ':idx:queue:' .. queue }) end
if task ~= '' then consider({ ns .. ':idx:task:' .. task }) end

-- Byte order, as the lex indexes sort (Lua's own string order follows the server's locale).
local function after(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x > y end
  end
  return #a > #b
end
-- The n newest ids below max across the chosen indexes.
local function newest(max, n)
  if #best == 1 then return redis.call('ZREVRANGEBYLEX', best[1], max, '-', 'LIMIT', 0, n) end
  local lists, heads = {}, {}
  for i, key in ipairs(best) do
    lists[i] = redis.call('ZREVRANGEBYLEX', key, max, '-', 'LIMIT', 0, n)
    heads[i] = 1
  end
  local merged = {}
  while #merged < n do
    local pick = nil
    for i, list in ipairs(lists) do
      local id = list[heads[i]]
      if id and (pick == nil or after(id, lists[pick][heads[pick]])) then pick = i end
    end
    if pick == nil then break end
    merged[#merged + 1] = lists[pick][heads[pick]]
    heads[pick] = heads[pick] + 1
  end
  return merged
end

local max = before == '' and '+' or '(' .. before
local rows = {}
local examined, last, exhausted, passed = 0, '', 0, 0
while examined < examine and passed < want do
  local n = math.min(examine - examined, 500)
  local ids = newest(max, n)
  for _, id in ipairs(ids) do
    examined = examined + 1
    last = id
    local f = redis.call('HMGET', ns .. ':job:' .. id, 'data', 'ver', 'state', 'queue', 'task', 'uk', 'ca', 'att', 'sa', 'lt', 'mv')
    local ok = f[2] ~= false
    -- A job stored without 'ca' (an older version) passes: the adapter checks the decoded record.
    local created = f[7] and tonumber(f[7])
    if ok and created and createdAfter and created < createdAfter then ok = false end
    if ok and created and createdBefore and created >= createdBefore then ok = false end
    if ok and allowed and not allowed[f[3]] then ok = false end
    if ok and queue ~= '' and f[4] ~= queue then ok = false end
    if ok and task ~= '' and f[5] ~= task then ok = false end
    if ok then
      for _, needle in ipairs(needles) do
        if not string.find(f[1], needle, 1, true) then
          ok = false
          break
        end
      end
    end
    if ok and finishedBefore then
      local at = redis.call('ZSCORE', ns .. ':finished', id)
      if not at or tonumber(at) >= finishedBefore then ok = false end
    end
    if ok then
      rows[#rows + 1] = id
      for _, j in ipairs({ 1, 2, 3, 4, 5, 6, 8, 9, 10, 11 }) do rows[#rows + 1] = f[j] or '' end
      passed = passed + 1
      if passed >= want then break end
    end
  end
  if passed >= want then break end
  if #ids < n then
    exhausted = 1
    break
  end
  max = '(' .. last
end
-- The budget ran out: say whether anything is left, so the last page needs no empty follow-up.
if exhausted == 0 and examined >= examine and last ~= '' and #newest('(' .. last, 1) == 0 then exhausted = 1 end
return { examined, last, exhausted, rows }
`;

/**
 * Every remembered queue with its counts, oldest pending runAt and pause flag. ARGV: ns.
 * Returns per queue { name, { state, count, ... }, oldest runAt or '', paused 0/1 }.
 */
export const QUEUE_STATS = `
local ns = ARGV[1]
local out = {}
for _, queue in ipairs(redis.call('SMEMBERS', ns .. ':queues')) do
  local oldest = redis.call('ZRANGE', ns .. ':pending:' .. queue, 0, 0, 'WITHSCORES')
  out[#out + 1] = {
    queue,
    redis.call('HGETALL', ns .. ':counts:' .. queue),
    oldest[2] or '',
    redis.call('SISMEMBER', ns .. ':paused', queue),
  }
end
return out
`;

/**
 * Live workers. ARGV: ns, now (ms). Deletes entries that expired at or before now and
 * returns the data of the others.
 */
export const LIST_WORKERS = `
local ns, now = ARGV[1], ARGV[2]
local byExpiry, data = ns .. ':workers', ns .. ':workers:data'
local expired = redis.call('ZRANGEBYSCORE', byExpiry, '-inf', now, 'LIMIT', 0, 1000)
for _, id in ipairs(expired) do
  redis.call('HDEL', data, id)
  redis.call('ZREM', byExpiry, id)
end
local out = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', byExpiry, '(' .. now, '+inf')) do
  local entry = redis.call('HGET', data, id)
  if entry then out[#out + 1] = entry end
end
return out
`;

/**
 * History cells of a range. ARGV: ns, kind ('m' or 'h'), from, to (exclusive).
 * Returns per stored bucket { at, { field, count, ... } }.
 */
export const READ_HISTORY = `
local ns, kind = ARGV[1], ARGV[2]
local out = {}
for _, at in ipairs(redis.call('ZRANGEBYSCORE', ns .. ':hist:idx:' .. kind, ARGV[3], '(' .. ARGV[4])) do
  out[#out + 1] = { at, redis.call('HGETALL', ns .. ':hist:' .. kind .. ':' .. at) }
end
return out
`;

/**
 * Deletes history buckets past retention, at most 1000 of each kind per call. ARGV: ns, latest
 * minute bucket start to delete, latest hour bucket start to delete. Returns how many went.
 */
export const PRUNE_HISTORY = `
local ns = ARGV[1]
local removed = 0
for kind, latest in pairs({ m = ARGV[2], h = ARGV[3] }) do
  local index = ns .. ':hist:idx:' .. kind
  for _, at in ipairs(redis.call('ZRANGEBYSCORE', index, '-inf', latest, 'LIMIT', 0, 1000)) do
    redis.call('DEL', ns .. ':hist:' .. kind .. ':' .. at)
    redis.call('ZREM', index, at)
    removed = removed + 1
  end
end
return removed
`;
