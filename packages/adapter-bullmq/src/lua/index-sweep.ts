/**
 * The id index sweep: BullMQ deletes finished jobs by itself (retention), without telling the
 * adapter, so their index entries and state markers would stay. One adapter instance at a time
 * (a lock with a TTL) walks every queue's index in slices, from a cursor kept in Redis so that
 * instances share the progress, and drops the entries of jobs that no longer exist.
 */
import { LUA_OWN_KEY } from './shared.js';

/**
 * ARGV: prefix, owner, lockMs, entries per queue, queues... → {examined, removed},
 * or -1 when another instance holds the sweeper lock.
 */
export const SWEEP_INDEX = `${LUA_OWN_KEY}
local rcall = redis.call
local prefix = ARGV[1]
local lockKey = prefix .. '::sy:sweeper'
local holder = rcall('GET', lockKey)
if holder and holder ~= ARGV[2] then return -1 end
rcall('SET', lockKey, ARGV[2], 'PX', ARGV[3])
local cursors = prefix .. '::sy:housekeeping'
local slice = tonumber(ARGV[4])
local examined, removed = 0, 0
for i = 5, #ARGV do
  local queue = ARGV[i]
  local base = prefix .. ':' .. queue .. ':'
  local index = ownKey(prefix, 'ids', queue)
  local from = rcall('HGET', cursors, 'sweep:' .. queue)
  local low = '-'
  if from then low = '(' .. from end
  local ids = rcall('ZRANGEBYLEX', index, low, '+', 'LIMIT', 0, slice)
  for _, id in ipairs(ids) do
    if rcall('EXISTS', base .. id) == 0 then
      rcall('ZREM', index, id)
      removeMarkers(prefix, queue, id)
      removed = removed + 1
    end
  end
  examined = examined + #ids
  if #ids < slice then rcall('HDEL', cursors, 'sweep:' .. queue)
  else rcall('HSET', cursors, 'sweep:' .. queue, ids[#ids]) end
end
return {examined, removed}
`;
