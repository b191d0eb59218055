/**
 * Adds several prioritized jobs of one queue in a single call: per job the Redis writes of
 * BullMQ's `addPrioritizedJob` (the job hash, the `added` and `waiting` events, the
 * `prioritized` entry scored by priority and the queue's priority counter, the job counter),
 * with what BullMQ does per add but needs once per call done once (reading the queue's
 * metadata, counting, setting the wake-up marker), plus the adapter's own writes of an enqueue
 * (the queue recorded as a known one, the id index). BullMQ's `Queue`, `Worker`, `QueueEvents`
 * and bull-board read the jobs as their own.
 *
 * Only for BullMQ's plain prioritized path, which the caller checks: ids core generated, no
 * delay, no deduplication, no parent, priority >= 1. A job that exists under an id after all is
 * left as it is, as BullMQ's add leaves it (with its `duplicated` event). The options arrive as
 * BullMQ's add would store them (`optsAsJSON`, then JSON).
 *
 * KEYS[1]: the known-queues set. ARGV: prefix, queue, then per job: id, name, JSON data, JSON
 * options, timestamp (ms), priority. Reply: how many jobs were added.
 */
import { LUA_BULLMQ_QUEUE, LUA_OWN_KEY } from './shared.js';

export const ADD_BATCH = `${LUA_BULLMQ_QUEUE}${LUA_OWN_KEY}
local rcall = redis.call
local prefix, queue = ARGV[1], ARGV[2]
local base = prefix .. ':' .. queue .. ':'
local metaKey, eventsKey, prioritizedKey = base .. 'meta', base .. 'events', base .. 'prioritized'
local count = (#ARGV - 2) / 6

local maxEvents = getOrSetMaxEvents(metaKey)
rcall('INCRBY', base .. 'id', count)
-- BullMQ scores a prioritized job priority * 2^32 + the queue's counter, INCRed per job added
-- (here once per call; a duplicate leaves a gap, which keeps the order).
local counter = rcall('INCRBY', base .. 'pc', count) - count

local indexed = {}
local added = 0
for i = 3, #ARGV, 6 do
  local id, name, priority = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 5])
  local jobKey = base .. id
  if rcall('EXISTS', jobKey) == 1 then
    -- As BullMQ's add: a job under the id stays as it is.
    rcall('XADD', eventsKey, 'MAXLEN', '~', maxEvents, '*', 'event', 'duplicated', 'jobId', id)
  else
    rcall('HMSET', jobKey, 'name', name, 'data', ARGV[i + 2], 'opts', ARGV[i + 3],
      'timestamp', ARGV[i + 4], 'delay', 0, 'priority', priority)
    rcall('XADD', eventsKey, '*', 'event', 'added', 'jobId', id, 'name', name)
    counter = counter + 1
    rcall('ZADD', prioritizedKey, priority * 0x100000000 + counter % 0x100000000, id)
    rcall('XADD', eventsKey, 'MAXLEN', '~', maxEvents, '*', 'event', 'waiting', 'jobId', id)
    indexed[#indexed + 1] = 0
    indexed[#indexed + 1] = id
    added = added + 1
  end
end

wakeWorkers(base)
rcall('SADD', KEYS[1], queue)
if added > 0 then rcall('ZADD', ownKey(prefix, 'ids', queue), unpack(indexed)) end
return added
`;
