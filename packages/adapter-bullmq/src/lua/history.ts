/** Reading throughput history: one hash per bucket (`::sy:history:<1m|1h>:<start ms>`). */

/**
 * ARGV: prefix, bucket ('1m'|'1h'), first bucket start (ms), bucket size (ms), bucket count
 * → {start, hgetall} for every bucket that holds data.
 */
export const READ_HISTORY = `
local base = ARGV[1] .. '::sy:history:' .. ARGV[2] .. ':'
local first = tonumber(ARGV[3])
local size = tonumber(ARGV[4])
local out = {}
for i = 0, tonumber(ARGV[5]) - 1 do
  local at = string.format('%d', first + i * size)
  local fields = redis.call('HGETALL', base .. at)
  if #fields > 0 then out[#out + 1] = {at, fields} end
end
return out
`;
