/**
 * Lua fragments shared by the adapter's scripts: where a job sits in BullMQ's structures,
 * which Switchyard state that is, and the adapter's own per-queue keys (`keys.ts` in Lua).
 * Every script receives the prefix and builds key names itself; with a hash-tagged prefix
 * all of them live in the slot of the one key the script declares.
 */

/** `locate(base, id)` → place, delayed score ('' unless delayed); `base` is `${prefix}:${queue}:`. */
export const LUA_LOCATE = `
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

/**
 * `stateOf(place, ats, syState)` → the Switchyard state (as `toJobState` in state-mapping.ts),
 * or nil for an unknown place.
 */
export const LUA_STATE_OF = `
local function stateOf(place, ats, marker)
  if place == 'completed' then return 'completed' end
  if place == 'failed' then
    if marker == 'cancelled' then return 'cancelled' end
    return 'failed'
  end
  if place == 'delayed' then
    if (tonumber(ats) or 0) > 0 then return 'retrying' end
    return 'scheduled'
  end
  if place == 'prioritized' or place == 'wait' then return 'pending' end
  if place == 'active' then return 'running' end
  return nil
end
`;

/**
 * Two of BullMQ's own Lua includes, for the adapter's scripts that write as BullMQ does:
 * `getOrSetMaxEvents(metaKey)` (the event stream's length, set to BullMQ's default when unset)
 * and `wakeWorkers(base)` (the wake-up marker, unless the queue is paused or at its global
 * concurrency: BullMQ's `isQueuePausedOrMaxed` with `addBaseMarkerIfNeeded`).
 */
export const LUA_BULLMQ_QUEUE = `
local function getOrSetMaxEvents(metaKey)
  local maxEvents = redis.call('HGET', metaKey, 'opts.maxLenEvents')
  if not maxEvents then
    maxEvents = 10000
    redis.call('HSET', metaKey, 'opts.maxLenEvents', maxEvents)
  end
  return maxEvents
end
local function wakeWorkers(base)
  local meta = redis.call('HMGET', base .. 'meta', 'paused', 'concurrency')
  if meta[1] or (meta[2] and redis.call('LLEN', base .. 'active') >= tonumber(meta[2])) then return end
  redis.call('ZADD', base .. 'marker', 0, '0')
end
`;

/**
 * The adapter's per-queue keys, as in keys.ts: `ownKey(prefix, 'ids', queue)`; and
 * `removeMarkers`, which takes a job out of the state markers (`failed`, `cancelled`, `retried`).
 */
export const LUA_OWN_KEY = `
local function ownKey(prefix, kind, queue) return prefix .. '::sy:' .. kind .. ':' .. queue end
local function removeMarkers(prefix, queue, id)
  redis.call('ZREM', ownKey(prefix, 'failed', queue), id)
  redis.call('ZREM', ownKey(prefix, 'cancelled', queue), id)
  redis.call('ZREM', ownKey(prefix, 'retried', queue), id)
end
`;
