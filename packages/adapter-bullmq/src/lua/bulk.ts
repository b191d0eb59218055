/**
 * The bulk script behind `jobs.bulk`: one call per page of ids. Each job's state is read and
 * changed in the same script, so a job that left the `onlyIn` states since it was listed (a
 * worker took it, it finished, someone removed it) is skipped, never clobbered.
 */
import { FIELD } from '../keys.js';
import { LUA_JOB_ACTIONS } from './job-actions.js';
import { LUA_LOCATE, LUA_OWN_KEY, LUA_STATE_OF } from './shared.js';

/**
 * ARGV: prefix, action ('retry'|'cancel'|'remove'), now, onlyIn (comma list), queue count q,
 * q queues, then the ids → {changed ids, cancel-requested ids}.
 */
export const BULK_JOBS = `${LUA_LOCATE}${LUA_OWN_KEY}${LUA_STATE_OF}${LUA_JOB_ACTIONS}
local prefix = ARGV[1]
local action = ARGV[2]
local now = ARGV[3]
local onlyIn = {}
for state in string.gmatch(ARGV[4], '[^,]+') do onlyIn[state] = true end
local queueCount = tonumber(ARGV[5])
local changed, requested = {}, {}
for i = 6 + queueCount, #ARGV do
  local id = ARGV[i]
  for q = 6, 5 + queueCount do
    local queue = ARGV[q]
    local base = prefix .. ':' .. queue .. ':'
    if rcall('EXISTS', base .. id) == 1 then
      local place = locate(base, id)
      local f = rcall('HMGET', base .. id, 'ats', '${FIELD.state}')
      local state = stateOf(place, f[1], f[2])
      if state and onlyIn[state] then
        if action == 'cancel' then
          if state == 'running' then
            requestCancel(base, id)
            requested[#requested + 1] = id
          elseif cancelWaiting(prefix, queue, base, id, place, now) then
            changed[#changed + 1] = id
          end
        elseif action == 'retry' then
          if place == 'failed' and retryFinished(prefix, queue, base, id) then changed[#changed + 1] = id end
        elseif action == 'remove' then
          removeJob(prefix, queue, base, id, place)
          changed[#changed + 1] = id
        end
      end
      break
    end
  end
end
return {changed, requested}
`;
