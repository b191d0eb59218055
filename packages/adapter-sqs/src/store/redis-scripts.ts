/**
 * Lua scripts of the Redis store. Each runs atomically in Redis, which is what
 * makes inserts (with unique keys), compare-and-set updates and index upkeep safe
 * when many worker processes share one store. Every key starts with the namespace
 * passed as ARGV[1]; KEYS[1] is one key of that namespace, so a cluster client routes the
 * script to the right node. Wrap the namespace in `{...}` on Redis Cluster so all keys share a slot.
 */

/**
 * Ready index scores: priority × 2^48 + runAt (ms), exact in a double (< 2^53) for priorities
 * 0..9 and any runAt a job id can carry; equal scores order by member, the time-ordered id.
 */
export const READY_PRIORITY_STEP = 2 ** 48;
/**
 * How long a message's set of held jobs outlives its last change: beyond SQS's longest retention
 * (14 days) the message cannot come back to recover them.
 */
const HELD_TTL_SECONDS = 15 * 86_400;

/**
 * Write fields per job of `UPDATE_JOB(S)`: id, expectedVersion, data, state, finishedAt, runAt,
 * attempt, startedAt, leaseToken, priority, movedOff, unrungSince ('' = no mark).
 */
export const WRITE_FIELDS = 12;

/** Shared helpers: key names and index upkeep. */
const HELPERS = `
local ns = ARGV[1]
local function jobKey(id) return ns .. ':job:' .. id end
local function uniqueKey(task, key) return ns .. ':uk:' .. string.len(task) .. ':' .. task .. ':' .. key end
local function isTerminal(state) return state == 'completed' or state == 'failed' or state == 'cancelled' end
local function isWaiting(state) return state == 'pending' or state == 'scheduled' or state == 'retrying' end
-- Ready index score: priority first, then runAt (ms); equal scores order by id (UUIDv7: enqueue order).
local function readyScore(priority, runAt)
  local score = (tonumber(priority) or 5) * ${READY_PRIORITY_STEP} + math.max(0, tonumber(runAt) or 0)
  return string.format('%.0f', score)
end
-- A waiting job's place: pending in the ready index, scheduled/retrying in the delayed one (by runAt).
local function placeWaiting(id, queue, state, priority, runAt)
  if state == 'pending' then
    redis.call('ZADD', ns .. ':ready:' .. queue, readyScore(priority, runAt), id)
    redis.call('ZREM', ns .. ':delayed:' .. queue, id)
  else
    redis.call('ZADD', ns .. ':delayed:' .. queue, runAt, id)
    redis.call('ZREM', ns .. ':ready:' .. queue, id)
  end
end
local function leaveQueue(id, queue)
  redis.call('ZREM', ns .. ':ready:' .. queue, id)
  redis.call('ZREM', ns .. ':delayed:' .. queue, id)
end
-- Which messages hold the job: the one it runs under (msg) and the one it moved off (mv).
local function rebind(id, oldMsg, oldMv, newMsg, newMv)
  local before, after = {}, {}
  if oldMsg and oldMsg ~= '' then before[oldMsg] = true end
  if oldMv and oldMv ~= '' then before[oldMv] = true end
  if newMsg ~= '' then after[newMsg] = true end
  if newMv ~= '' then after[newMv] = true end
  for m in pairs(before) do
    if not after[m] then redis.call('SREM', ns .. ':held:' .. m, id) end
  end
  for m in pairs(after) do
    if not before[m] then
      redis.call('SADD', ns .. ':held:' .. m, id)
      redis.call('EXPIRE', ns .. ':held:' .. m, ${HELD_TTL_SECONDS})
    end
  end
end
local function moveState(id, queue, old, state)
  if old == state then return end
  redis.call('ZREM', ns .. ':idx:state:' .. old, id)
  redis.call('ZADD', ns .. ':idx:state:' .. state, 0, id)
  redis.call('HINCRBY', ns .. ':counts:' .. queue, old, -1)
  redis.call('HINCRBY', ns .. ':counts:' .. queue, state, 1)
  -- Pending jobs by runAt per queue: what stats read the oldest pending job from.
  if old == 'pending' then redis.call('ZREM', ns .. ':pending:' .. queue, id) end
end
local function indexAdd(id, state, queue, task, runAt, priority)
  redis.call('ZADD', ns .. ':idx:all', 0, id)
  redis.call('ZADD', ns .. ':idx:state:' .. state, 0, id)
  redis.call('ZADD', ns .. ':idx:queue:' .. queue, 0, id)
  redis.call('ZADD', ns .. ':idx:task:' .. task, 0, id)
  redis.call('HINCRBY', ns .. ':counts:' .. queue, state, 1)
  if state == 'pending' then redis.call('ZADD', ns .. ':pending:' .. queue, runAt, id) end
  if isWaiting(state) then placeWaiting(id, queue, state, priority, runAt) end
end
-- w: id, expected version, data, state, finishedAt, runAt, attempt, startedAt, leaseToken, priority, movedOff,
-- unrungSince (see WRITE_FIELDS). The priority is the insert's (it never changes); the others are written here.
local function casUpdate(w)
  local id = w[1]
  local key = jobKey(id)
  local cur = redis.call('HMGET', key, 'ver', 'state', 'queue', 'task', 'uk', 'msg', 'mv')
  if not cur[1] or cur[1] ~= w[2] then return false end
  local version = tonumber(cur[1]) + 1
  local old, queue, task, uk = cur[2], cur[3], cur[4], cur[5]
  local state, runAt = w[4], w[6]
  -- A running job stays bound to the message it runs under; any other state frees it.
  local oldMsg, oldMv = cur[6] or '', cur[7] or ''
  local msg = state == 'running' and oldMsg or ''
  local mv = w[11]
  redis.call('HSET', key, 'data', w[3], 'ver', version, 'state', state, 'att', w[7], 'sa', w[8], 'lt', w[9], 'ra', runAt)
  if msg ~= oldMsg or mv ~= oldMv then
    redis.call('HSET', key, 'msg', msg, 'mv', mv)
    rebind(id, oldMsg, oldMv, msg, mv)
  end
  if state == 'pending' then redis.call('ZADD', ns .. ':pending:' .. queue, runAt, id) end
  moveState(id, queue, old, state)
  if isWaiting(state) then
    placeWaiting(id, queue, state, w[10], runAt)
  elseif old == 'running' then
    -- Only a running job put back for its redelivery is in an index (the ready one), and it keeps
    -- its place there while it stays running.
    if state ~= 'running' then redis.call('ZREM', ns .. ':ready:' .. queue, id) end
  else
    leaveQueue(id, queue)
  end
  if isTerminal(state) then
    redis.call('ZADD', ns .. ':finished', w[5], id)
  elseif isTerminal(old) then
    redis.call('ZREM', ns .. ':finished', id)
  end
  -- A doorbell that may not have been sent (FIFO): remembered until it is, or the job no longer waits.
  if w[12] and w[12] ~= '' then
    redis.call('ZADD', ns .. ':unrung', w[12], id)
  elseif isWaiting(old) and not isWaiting(state) then
    redis.call('ZREM', ns .. ':unrung', id)
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
local function deleteJob(id)
  local key = jobKey(id)
  local cur = redis.call('HMGET', key, 'state', 'queue', 'task', 'uk', 'msg', 'mv')
  if not cur[1] then return 0 end
  local state, queue, task, uk = cur[1], cur[2], cur[3], cur[4]
  redis.call('DEL', key)
  redis.call('ZREM', ns .. ':idx:all', id)
  redis.call('ZREM', ns .. ':idx:state:' .. state, id)
  redis.call('ZREM', ns .. ':idx:queue:' .. queue, id)
  redis.call('ZREM', ns .. ':idx:task:' .. task, id)
  redis.call('ZREM', ns .. ':finished', id)
  redis.call('ZREM', ns .. ':pending:' .. queue, id)
  leaveQueue(id, queue)
  rebind(id, cur[5], cur[6], '', '')
  redis.call('ZREM', ns .. ':unrung', id)
  redis.call('HINCRBY', ns .. ':counts:' .. queue, state, -1)
  if uk and uk ~= '' then
    local slot = uniqueKey(task, uk)
    if redis.call('GET', slot) == id then redis.call('DEL', slot) end
  end
  return 1
end
-- Delayed jobs of a queue whose runAt has come move to its ready index (at most 1000 per call).
local function promote(queue, now)
  local delayed = ns .. ':delayed:' .. queue
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', delayed, '-inf', now, 'LIMIT', 0, 1000)) do
    local f = redis.call('HMGET', jobKey(id), 'pri', 'ra')
    redis.call('ZREM', delayed, id)
    redis.call('ZADD', ns .. ':ready:' .. queue, readyScore(f[1], f[2]), id)
  end
end
`;

/**
 * Insert a batch. ARGV: ns, count, then per job: id, data, state, queue, task, uniqueKey, finishedAt, runAt,
 * createdAt, priority, attempt, unrungSince ('' = no mark).
 * Returns one entry per job: '' when created, else the id of the job holding the id / unique key.
 */
export const INSERT_JOBS = `${HELPERS}
local count = tonumber(ARGV[2])
local out = {}
for i = 0, count - 1 do
  local o = 3 + i * 12
  local id, data, state, queue, task, uk, finishedAt, runAt = ARGV[o], ARGV[o+1], ARGV[o+2], ARGV[o+3], ARGV[o+4], ARGV[o+5], ARGV[o+6], ARGV[o+7]
  local priority = ARGV[o+9]
  local result = ''
  if redis.call('EXISTS', jobKey(id)) == 1 then
    result = id
  elseif uk ~= '' and not isTerminal(state) then
    local holder = redis.call('GET', uniqueKey(task, uk))
    if holder then result = holder else redis.call('SET', uniqueKey(task, uk), id) end
  end
  if result == '' then
    redis.call('HSET', jobKey(id), 'data', data, 'ver', 1, 'state', state, 'queue', queue, 'task', task, 'uk', uk,
      'ca', ARGV[o+8], 'pri', priority, 'ra', runAt, 'att', ARGV[o+10], 'sa', '', 'lt', '', 'msg', '', 'mv', '')
    indexAdd(id, state, queue, task, runAt, priority)
    if ARGV[o+11] ~= '' then redis.call('ZADD', ns .. ':unrung', ARGV[o+11], id) end
    redis.call('SADD', ns .. ':queues', queue)
    if finishedAt ~= '' then redis.call('ZADD', ns .. ':finished', finishedAt, id) end
  end
  out[#out + 1] = result
end
return out
`;

/**
 * Compare-and-set one job. ARGV: ns, then the write fields (see WRITE_FIELDS).
 * Returns the new version, or false when the job is gone or its version moved on.
 */
export const UPDATE_JOB = `${HELPERS}
return casUpdate({ unpack(ARGV, 2, 1 + ${WRITE_FIELDS}) })
`;

/**
 * Compare-and-set several jobs. ARGV: ns, count, then per job: the write fields (see WRITE_FIELDS) and a
 * queue name — a job with a queue name is refused while that queue is paused ('' = no check).
 * Returns per job the new version, 0 when the job is gone or changed meanwhile, or -1 when paused.
 */
export const UPDATE_JOBS = `${HELPERS}
local count = tonumber(ARGV[2])
local out = {}
for i = 0, count - 1 do
  local o = 3 + i * (${WRITE_FIELDS} + 1)
  local pauseQueue = ARGV[o + ${WRITE_FIELDS}]
  local result = -1
  if pauseQueue == '' or redis.call('SISMEMBER', ns .. ':paused', pauseQueue) == 0 then
    result = casUpdate({ unpack(ARGV, o, o + ${WRITE_FIELDS} - 1) }) or 0
  end
  out[#out + 1] = result
end
return out
`;

/** Fields of a job that reads return, in this order (see `GET_JOBS`). */
export const READ_FIELDS = ['data', 'ver', 'state', 'queue', 'task', 'uk', 'att', 'sa', 'lt', 'mv'] as const;

/**
 * Read several jobs. ARGV: ns, then ids. Returns per job its READ_FIELDS (all ''
 * when the job does not exist).
 */
export const GET_JOBS = `
local ns = ARGV[1]
local out = {}
for i = 2, #ARGV do
  local cur = redis.call('HMGET', ns .. ':job:' .. ARGV[i], ${READ_FIELDS.map((field) => `'${field}'`).join(', ')})
  for j = 1, ${READ_FIELDS.length} do out[#out + 1] = cur[j] or '' end
end
return out
`;

/** Fields per claimed job in `CLAIM_HEADS`' answer: id, version, data, previous state, queue, task, uk, attempt, startedAt, leaseToken. */
export const CLAIMED_FIELDS = 10;

/**
 * Strict ordering's claim (see `JobStateStore.claimHeads`). ARGV: ns, now (ms), message count, then
 * per message: queue, messageId, receipt, want, recover ('1'/'0'); then one lease token per ticket wanted.
 * Returns per message { status (1, or -1 when the queue is paused), exhausted (0/1),
 * { CLAIMED_FIELDS per claimed job }, { ids of waiting jobs that moved off it unconfirmed } }.
 */
export const CLAIM_HEADS = `${HELPERS}
local now = tonumber(ARGV[2])
local count = tonumber(ARGV[3])
local tokenAt = 4 + count * 5
local promoted = {}
local out = {}
-- Every recovery of the call comes first: a message that exhausts the ready index must see the
-- jobs another message of the same call puts back, or its holder would discard the tickets that
-- stand for them.
local unsentOf = {}
for i = 0, count - 1 do
  local o = 4 + i * 5
  local queue, m, receipt, recover = ARGV[o], ARGV[o+1], ARGV[o+2], ARGV[o+4]
  local held = ns .. ':held:' .. m
  local unsent = {}
  if recover == '1' and redis.call('SISMEMBER', ns .. ':paused', queue) == 0 then
    for _, id in ipairs(redis.call('SMEMBERS', held)) do
      local f = redis.call('HMGET', jobKey(id), 'state', 'msg', 'mv', 'pri', 'ra', 'queue', 'mr')
      if f[1] and f[1] == 'running' and f[2] == m then
        if f[7] ~= receipt then
          -- Claimed under an earlier receipt whose holder lost the message: it waits for its
          -- redelivery in the ready index, in strict order like any other ready job.
          -- Its lease ends here: a new version and no token, so the old holder's writes are refused.
          redis.call('ZADD', ns .. ':ready:' .. f[6], readyScore(f[4], f[5]), id)
          redis.call('HINCRBY', jobKey(id), 'ver', 1)
          redis.call('HSET', jobKey(id), 'msg', '', 'lt', '')
          redis.call('SREM', held, id)
        end
      elseif f[1] and f[3] == m and isWaiting(f[1]) then
        unsent[#unsent + 1] = id
      else
        redis.call('SREM', held, id)
      end
    end
  end
  unsentOf[i] = unsent
end
for i = 0, count - 1 do
  local o = 4 + i * 5
  local queue, m, receipt, want = ARGV[o], ARGV[o+1], ARGV[o+2], tonumber(ARGV[o+3])
  local held = ns .. ':held:' .. m
  local status, exhausted, claimed, unsent = 1, 0, {}, unsentOf[i]
  if redis.call('SISMEMBER', ns .. ':paused', queue) == 1 then
    status = -1
  else
    if not promoted[queue] then
      promote(queue, now)
      promoted[queue] = true
    end
    local ready = ns .. ':ready:' .. queue
    local taken = 0
    while taken < want do
      local popped = redis.call('ZPOPMIN', ready)
      if #popped == 0 then
        exhausted = 1
        break
      end
      local id = popped[1]
      local key = jobKey(id)
      local f = redis.call('HMGET', key, 'ver', 'state', 'queue', 'task', 'uk', 'att', 'data', 'msg', 'mv')
      -- An entry whose job moved on (running under another message, finished, gone) is skipped.
      if f[1] and (isWaiting(f[2]) or (f[2] == 'running' and (f[8] or '') == '')) then
        local attempt = tonumber(f[6])
        if not attempt then
          -- A record stored before lifecycle fields existed: its attempt is in the record.
          local ok, record = pcall(cjson.decode, f[7])
          attempt = ok and tonumber(record.attempt) or 0
        end
        attempt = attempt + 1
        local version = tonumber(f[1]) + 1
        local token = ARGV[tokenAt]
        tokenAt = tokenAt + 1
        redis.call('HSET', key, 'ver', version, 'state', 'running', 'att', attempt, 'sa', now, 'lt', token, 'msg', m, 'mr', receipt, 'mv', '')
        -- Bound to this message (the set's expiry is set once, below); no longer held by one it moved off.
        if f[9] and f[9] ~= '' then redis.call('SREM', ns .. ':held:' .. f[9], id) end
        redis.call('SADD', held, id)
        redis.call('ZREM', ns .. ':delayed:' .. queue, id)
        redis.call('ZREM', ns .. ':unrung', id)
        moveState(id, queue, f[2], 'running')
        for _, value in ipairs({ id, version, f[7], f[2], f[3], f[4], f[5] or '', attempt, now, token }) do
          claimed[#claimed + 1] = value
        end
        taken = taken + 1
      end
    end
    if taken > 0 then redis.call('EXPIRE', held, ${HELD_TTL_SECONDS}) end
    redis.call('HSET', ns .. ':lastclaim', queue, now)
  end
  out[#out + 1] = { status, exhausted, claimed, unsent }
end
return out
`;

/**
 * Strict ordering's safety net (see `JobStateStore.missingTickets`). ARGV: ns, queue, now, grace, cap.
 * Returns how many tickets to send: the ready count (at most cap) when the queue has ready jobs
 * and no claim for `grace` ms, else 0.
 */
export const MISSING_TICKETS = `${HELPERS}
local queue, now, grace, cap = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
if redis.call('SISMEMBER', ns .. ':paused', queue) == 1 then return 0 end
promote(queue, now)
local ready = redis.call('ZCARD', ns .. ':ready:' .. queue)
if ready == 0 then return 0 end
local last = tonumber(redis.call('HGET', ns .. ':lastclaim', queue)) or 0
if now - last < grace then return 0 end
redis.call('HSET', ns .. ':lastclaim', queue, now)
return math.min(ready, cap)
`;

/** Delete one job with its index entries and unique key. ARGV: ns, id. Returns 1 or 0. */
export const DELETE_JOB = `${HELPERS}
return deleteJob(ARGV[2])
`;

/**
 * Delete the jobs of a list that are still in one of the given states (a bulk remove that skips
 * jobs that changed meanwhile). ARGV: ns, state count, states..., then ids. Returns the ids deleted.
 */
export const DELETE_JOBS_IN = `${HELPERS}
local count = tonumber(ARGV[2])
local allowed = {}
for i = 3, 2 + count do allowed[ARGV[i]] = true end
local out = {}
for i = 3 + count, #ARGV do
  local id = ARGV[i]
  local state = redis.call('HGET', jobKey(id), 'state')
  if state and allowed[state] and deleteJob(id) == 1 then out[#out + 1] = id end
end
return out
`;

/** Compare-and-set a schedule string. ARGV: ns, key, expected, next. Returns 1 or 0. */
export const SWAP_SCHEDULE = `
local ns = ARGV[1]
if redis.call('HGET', ns .. ':schedules', ARGV[2]) ~= ARGV[3] then return 0 end
redis.call('HSET', ns .. ':schedules', ARGV[2], ARGV[4])
return 1
`;
