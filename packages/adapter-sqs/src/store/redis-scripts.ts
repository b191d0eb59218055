/**
 * Lua scripts of the Redis store. Each runs atomically in Redis, which is what
 * makes inserts (with unique keys), compare-and-set updates and index upkeep safe
 * when many worker processes share one store. Every key starts with the namespace
 * passed as ARGV[1]; KEYS[1] is one key of that namespace, so a cluster client routes the
 * script to the right node. Wrap the namespace in `{...}` on Redis Cluster so all keys share a slot.
 */

/** Shared helpers: key names and index upkeep. */
const HELPERS = `
local ns = ARGV[1]
local function jobKey(id) return ns .. ':job:' .. id end
local function uniqueKey(task, key) return ns .. ':uk:' .. string.len(task) .. ':' .. task .. ':' .. key end
local function isTerminal(state) return state == 'completed' or state == 'failed' or state == 'cancelled' end
local function indexAdd(id, state, queue, task)
  redis.call('ZADD', ns .. ':idx:all', 0, id)
  redis.call('ZADD', ns .. ':idx:state:' .. state, 0, id)
  redis.call('ZADD', ns .. ':idx:queue:' .. queue, 0, id)
  redis.call('ZADD', ns .. ':idx:task:' .. task, 0, id)
  redis.call('HINCRBY', ns .. ':counts:' .. queue, state, 1)
end
local function casUpdate(id, expected, data, state, finishedAt)
  local key = jobKey(id)
  local cur = redis.call('HMGET', key, 'ver', 'state', 'queue', 'task', 'uk')
  if not cur[1] or cur[1] ~= expected then return false end
  local version = tonumber(cur[1]) + 1
  local old, queue, task, uk = cur[2], cur[3], cur[4], cur[5]
  redis.call('HSET', key, 'data', data, 'ver', version, 'state', state)
  if old ~= state then
    redis.call('ZREM', ns .. ':idx:state:' .. old, id)
    redis.call('ZADD', ns .. ':idx:state:' .. state, 0, id)
    redis.call('HINCRBY', ns .. ':counts:' .. queue, old, -1)
    redis.call('HINCRBY', ns .. ':counts:' .. queue, state, 1)
  end
  if isTerminal(state) then
    redis.call('ZADD', ns .. ':finished', finishedAt, id)
  else
    redis.call('ZREM', ns .. ':finished', id)
  end
  if uk and uk ~= '' then
    local slot = uniqueKey(task, uk)
    if isTerminal(state) then
      if redis.call('GET', slot) == id then redis.call('DEL', slot) end
    else
      redis.call('SET', slot, id, 'NX')
    end
  end
  return version
end
`;

/**
 * Insert a batch. ARGV: ns, count, then per job: id, data, state, queue, task, uniqueKey, finishedAt.
 * Returns one entry per job: '' when created, else the id of the job holding the id / unique key.
 */
export const INSERT_JOBS = `${HELPERS}
local count = tonumber(ARGV[2])
local out = {}
for i = 0, count - 1 do
  local o = 3 + i * 7
  local id, data, state, queue, task, uk, finishedAt = ARGV[o], ARGV[o+1], ARGV[o+2], ARGV[o+3], ARGV[o+4], ARGV[o+5], ARGV[o+6]
  local result = ''
  if redis.call('EXISTS', jobKey(id)) == 1 then
    result = id
  elseif uk ~= '' and not isTerminal(state) then
    local holder = redis.call('GET', uniqueKey(task, uk))
    if holder then result = holder else redis.call('SET', uniqueKey(task, uk), id) end
  end
  if result == '' then
    redis.call('HSET', jobKey(id), 'data', data, 'ver', 1, 'state', state, 'queue', queue, 'task', task, 'uk', uk)
    indexAdd(id, state, queue, task)
    redis.call('SADD', ns .. ':queues', queue)
    if finishedAt ~= '' then redis.call('ZADD', ns .. ':finished', finishedAt, id) end
  end
  out[#out + 1] = result
end
return out
`;

/**
 * Compare-and-set one job. ARGV: ns, id, expectedVersion, data, state, finishedAt ('' unless terminal).
 * Returns the new version, or false when the job is gone or its version moved on.
 */
export const UPDATE_JOB = `${HELPERS}
return casUpdate(ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6])
`;

/**
 * Compare-and-set several jobs. ARGV: ns, count, then per job: id, expectedVersion, data, state,
 * finishedAt, queue — a job with a queue name is refused while that queue is paused ('' = no check).
 * Returns per job the new version, 0 when the job is gone or changed meanwhile, or -1 when paused.
 */
export const UPDATE_JOBS = `${HELPERS}
local count = tonumber(ARGV[2])
local out = {}
for i = 0, count - 1 do
  local o = 3 + i * 6
  local result = -1
  if ARGV[o+5] == '' or redis.call('SISMEMBER', ns .. ':paused', ARGV[o+5]) == 0 then
    result = casUpdate(ARGV[o], ARGV[o+1], ARGV[o+2], ARGV[o+3], ARGV[o+4]) or 0
  end
  out[#out + 1] = result
end
return out
`;

/**
 * Read several jobs. ARGV: ns, then ids. Returns per job its fields data, ver, state, queue, task,
 * uk (six entries, all false when the job does not exist).
 */
export const GET_JOBS = `
local ns = ARGV[1]
local out = {}
for i = 2, #ARGV do
  local cur = redis.call('HMGET', ns .. ':job:' .. ARGV[i], 'data', 'ver', 'state', 'queue', 'task', 'uk')
  for j = 1, 6 do out[#out + 1] = cur[j] or '' end
end
return out
`;

/** Delete one job with its index entries and unique key. ARGV: ns, id. Returns 1 or 0. */
export const DELETE_JOB = `${HELPERS}
local id = ARGV[2]
local key = jobKey(id)
local cur = redis.call('HMGET', key, 'state', 'queue', 'task', 'uk')
if not cur[1] then return 0 end
local state, queue, task, uk = cur[1], cur[2], cur[3], cur[4]
redis.call('DEL', key)
redis.call('ZREM', ns .. ':idx:all', id)
redis.call('ZREM', ns .. ':idx:state:' .. state, id)
redis.call('ZREM', ns .. ':idx:queue:' .. queue, id)
redis.call('ZREM', ns .. ':idx:task:' .. task, id)
redis.call('ZREM', ns .. ':finished', id)
redis.call('HINCRBY', ns .. ':counts:' .. queue, state, -1)
if uk and uk ~= '' then
  local slot = uniqueKey(task, uk)
  if redis.call('GET', slot) == id then redis.call('DEL', slot) end
end
return 1
`;

/** Compare-and-set a schedule string. ARGV: ns, key, expected, next. Returns 1 or 0. */
export const SWAP_SCHEDULE = `
local ns = ARGV[1]
if redis.call('HGET', ns .. ':schedules', ARGV[2]) ~= ARGV[3] then return 0 end
redis.call('HSET', ns .. ':schedules', ARGV[2], ARGV[4])
return 1
`;
