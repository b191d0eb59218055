/**
 * The search script behind `jobs.list`: one call per page. It walks candidates newest first
 * by id and examines at most `scanLimit` of them, from one of three sources:
 *
 * - **index**: the per-queue id indexes (`::sy:ids:<queue>`, members sorted by id), merged
 *   across queues with `ZREVRANGEBYLEX` in batches. Used without a state filter, or when the
 *   asked states hold many of the jobs.
 * - **markers**: for `failed` and `cancelled` only, the adapter's state markers of those
 *   states (sorted by id like the index), merged the same way: every entry is a candidate.
 * - **sets**: the BullMQ structures of the asked states (e.g. `prioritized` for pending), when
 *   they hold few jobs (at most `setsLimit`, and few enough that sorting them is cheaper than
 *   walking the index past the other states). Their ids are read and sorted by id here.
 *
 * Cheap conditions (state, task, created/finished times, substrings of the stored `data`)
 * are checked here; the client checks every match again with core's `jobMatchesFilter`,
 * so these checks only have to never reject a job that matches.
 */
import { FIELD } from '../keys.js';
import { LUA_LOCATE, LUA_OWN_KEY, LUA_STATE_OF } from './shared.js';

/**
 * ARGV: prefix, cursor ('' = from the newest), limit, scanLimit, states (comma list, '' = any),
 * task ('' = any), createdAfter, createdBefore, finishedBefore ('' = none), setsLimit,
 * needle count n, n needles, then the queues.
 * → {lastExaminedId, more (0|1), source, examined, {queue, id, place, delayedScore, hgetall}...}
 */
export const SEARCH_JOBS = `${LUA_LOCATE}${LUA_OWN_KEY}${LUA_STATE_OF}
local prefix = ARGV[1]
local cursor = ARGV[2]
local limit = tonumber(ARGV[3])
local scanLimit = tonumber(ARGV[4])
local states = {}
local anyState = ARGV[5] == ''
for state in string.gmatch(ARGV[5], '[^,]+') do states[state] = true end
local task = ARGV[6]
local createdAfter = tonumber(ARGV[7])
local createdBefore = tonumber(ARGV[8])
local finishedBefore = tonumber(ARGV[9])
local setsLimit = tonumber(ARGV[10])
local needleCount = tonumber(ARGV[11])
local needles = {}
for i = 1, needleCount do needles[i] = ARGV[11 + i] end
local queues = {}
for i = 12 + needleCount, #ARGV do queues[#queues + 1] = ARGV[i] end

-- The BullMQ places holding the asked states, in the order locate() probes them.
local places = {}
if not anyState then
  local want = {
    completed = states.completed, failed = states.failed or states.cancelled,
    delayed = states.scheduled or states.retrying, prioritized = states.pending,
    active = states.running, wait = states.pending,
  }
  for _, place in ipairs({'completed', 'failed', 'delayed', 'prioritized', 'active', 'wait'}) do
    if want[place] then places[#places + 1] = place end
  end
end

local function probe(base, id)
  for _, place in ipairs(places) do
    if place == 'active' then
      if rcall('LPOS', base .. 'active', id) then return 'active', '' end
    elseif place == 'wait' then
      if rcall('LPOS', base .. 'wait', id) or rcall('LPOS', base .. 'paused', id) then return 'wait', '' end
    else
      local score = rcall('ZSCORE', base .. place, id)
      if score then
        if place == 'delayed' then return place, score end
        return place, ''
      end
    end
  end
  return nil, ''
end

local dataField = 'timestamp'
if needleCount > 0 then dataField = 'data' end
local matches = {}
local matched, examined = 0, 0

local function evaluate(queue, id, sourceKey)
  examined = examined + 1
  local base = prefix .. ':' .. queue .. ':'
  local key = base .. id
  local place, score
  if not anyState then
    place, score = probe(base, id)
    if not place then return end
  end
  local f = rcall('HMGET', key, 'timestamp', 'name', 'ats', '${FIELD.state}', 'finishedOn', dataField)
  if not f[1] then
    -- The job is gone (BullMQ's retention, a foreign tool): drop its index or marker entry.
    if sourceKey and rcall('EXISTS', key) == 0 then rcall('ZREM', sourceKey, id) end
    return
  end
  -- The checks that need no state first: locating a job costs up to seven probes.
  if task ~= '' and f[2] ~= task then return end
  local created = tonumber(f[1]) or 0
  if createdAfter and created < createdAfter then return end
  if createdBefore and created >= createdBefore then return end
  local finished = tonumber(f[5])
  if finishedBefore and (not finished or finished >= finishedBefore) then return end
  if needleCount > 0 then
    local data = f[6] or ''
    for i = 1, needleCount do
      if not string.find(data, needles[i], 1, true) then return end
    end
  end
  if anyState then place, score = locate(base, id) end
  local state = stateOf(place, f[3], f[4])
  if not state or (not anyState and not states[state]) then return end
  if finishedBefore and state ~= 'completed' and state ~= 'failed' and state ~= 'cancelled' then return end
  matched = matched + 1
  matches[matched] = {queue, id, place, score, rcall('HGETALL', key)}
end

-- Walks sorted sets of ids (kinds: 'ids', or state markers) of every queue, newest first,
-- merging them by id; an id met in two of them is examined once.
local function walkSorted(kinds)
  local sources = {}
  for _, queue in ipairs(queues) do
    for _, kind in ipairs(kinds) do
      local bound = '+'
      if cursor ~= '' then bound = '(' .. cursor end
      sources[#sources + 1] = {queue = queue, key = ownKey(prefix, kind, queue), bound = bound, ids = {}, pos = 1}
    end
  end
  local batch = math.max(16, math.floor(math.min(scanLimit + 1, 512) / #sources))
  local function head(source)
    if source.pos > #source.ids then
      if source.done then return nil end
      source.ids = rcall('ZREVRANGEBYLEX', source.key, source.bound, '-', 'LIMIT', 0, batch)
      source.pos = 1
      source.done = #source.ids < batch
      if #source.ids == 0 then return nil end
      source.bound = '(' .. source.ids[#source.ids]
    end
    return source.ids[source.pos]
  end
  local last = ''
  while true do
    local best, bestId = nil, nil
    for _, source in ipairs(sources) do
      local id = head(source)
      if id and (bestId == nil or id > bestId) then best, bestId = source, id end
    end
    if not best then return last, 0 end
    best.pos = best.pos + 1
    if bestId ~= last then
      if matched >= limit or examined >= scanLimit then return last, 1 end
      last = bestId
      evaluate(best.queue, bestId, best.key)
    end
  end
end

-- Reads the ids held by the asked states' structures, sorted newest first.
local function walkSets()
  local candidates = {}
  local function add(ids, queue)
    for _, id in ipairs(ids) do
      if cursor == '' or id < cursor then candidates[#candidates + 1] = id .. '\\0' .. queue end
    end
  end
  for _, queue in ipairs(queues) do
    local base = prefix .. ':' .. queue .. ':'
    for _, place in ipairs(places) do
      if place == 'active' then add(rcall('LRANGE', base .. 'active', 0, -1), queue)
      elseif place == 'wait' then
        add(rcall('LRANGE', base .. 'wait', 0, -1), queue)
        add(rcall('LRANGE', base .. 'paused', 0, -1), queue)
      elseif finishedBefore and (place == 'completed' or place == 'failed') then
        add(rcall('ZRANGEBYSCORE', base .. place, '-inf', '(' .. finishedBefore), queue)
      else add(rcall('ZRANGE', base .. place, 0, -1), queue) end
    end
  end
  table.sort(candidates, function(a, b) return a > b end)
  local last = ''
  for index, candidate in ipairs(candidates) do
    if matched >= limit or examined >= scanLimit then return last, 1 end
    local split = string.find(candidate, '\\0', 1, true)
    last = string.sub(candidate, 1, split - 1)
    evaluate(string.sub(candidate, split + 1), last, nil)
  end
  return last, 0
end

-- How many ids the asked states hold (bounded by the finishedBefore score where it applies).
local function setSize()
  local size = 0
  for _, queue in ipairs(queues) do
    local base = prefix .. ':' .. queue .. ':'
    for _, place in ipairs(places) do
      if place == 'active' then size = size + rcall('LLEN', base .. 'active')
      elseif place == 'wait' then size = size + rcall('LLEN', base .. 'wait') + rcall('LLEN', base .. 'paused')
      elseif finishedBefore and (place == 'completed' or place == 'failed') then
        size = size + rcall('ZCOUNT', base .. place, '-inf', '(' .. finishedBefore)
      else size = size + rcall('ZCARD', base .. place) end
    end
  end
  return size
end

local source = 'index'
local markedOnly = not anyState
for state in pairs(states) do
  if state ~= 'failed' and state ~= 'cancelled' then markedOnly = false end
end
if markedOnly then
  source = 'markers'
elseif not anyState then
  local candidates = setSize()
  if candidates <= setsLimit then
    local indexed = 0
    for _, queue in ipairs(queues) do indexed = indexed + rcall('ZCARD', ownKey(prefix, 'ids', queue)) end
    -- Sorting the candidates costs about their number; walking the index costs the jobs it
    -- passes to find a page (limit / density). Pick the cheaper.
    if candidates * candidates <= 3 * limit * indexed then source = 'sets' end
  end
end

local last, more
if source == 'sets' then last, more = walkSets()
elseif source == 'markers' then
  local kinds = {}
  if states.failed then kinds[#kinds + 1] = 'failed' end
  if states.cancelled then kinds[#kinds + 1] = 'cancelled' end
  last, more = walkSorted(kinds)
else last, more = walkSorted({'ids'}) end
return {last, more, source, examined, matches}
`;
