/**
 * The workers registry in Redis: a sorted set of worker ids scored by expiry (epoch ms) and a
 * hash of their entries. Expired entries are deleted lazily, on every write and read.
 */

/** Deletes up to 100 entries whose expiry is at or before `now`. Expects `zkey`, `hkey`, `now`. */
const PRUNE = `
local expired = redis.call('ZRANGEBYSCORE', zkey, '-inf', now, 'LIMIT', 0, 100)
if #expired > 0 then
  redis.call('ZREM', zkey, unpack(expired))
  redis.call('HDEL', hkey, unpack(expired))
end
`;

const KEYS_OF_PREFIX = `
local zkey = ARGV[1] .. '::sy:workers'
local hkey = zkey .. ':data'
`;

/** ARGV: prefix, id, data, expiresAt, now → 1. */
export const PUT_WORKER = `${KEYS_OF_PREFIX}
local now = ARGV[5]
redis.call('ZADD', zkey, ARGV[4], ARGV[2])
redis.call('HSET', hkey, ARGV[2], ARGV[3])
${PRUNE}
return 1
`;

/** ARGV: prefix, id → 1 when it was registered. */
export const REMOVE_WORKER = `${KEYS_OF_PREFIX}
redis.call('HDEL', hkey, ARGV[2])
return redis.call('ZREM', zkey, ARGV[2])
`;

/** ARGV: prefix, now → entries of workers whose expiry is after `now`. */
export const LIST_WORKERS = `${KEYS_OF_PREFIX}
local now = ARGV[2]
${PRUNE}
local ids = redis.call('ZRANGEBYSCORE', zkey, '(' .. now, '+inf')
if #ids == 0 then return {} end
local out = {}
for _, data in ipairs(redis.call('HMGET', hkey, unpack(ids))) do
  if data then out[#out + 1] = data end
end
return out
`;
