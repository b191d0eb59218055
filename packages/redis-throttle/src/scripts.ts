/**
 * The three throttle checks as Lua scripts, each atomic across every process sharing the
 * Redis. A rate window is a sorted set of grant times (a sliding log) beside a block key and
 * a "promised" key (the line of refused requests); per-key slots are a sorted set of holders
 * scored by expiry. Every script takes core's clock as `now`, never Redis's TIME.
 */

/** Keys stay a minute past what they count, so a clock a little off between hosts loses nothing. */
const KEY_SLACK_MS = 60_000;

/**
 * KEYS: grants, block, promised. ARGV: max, windowMs, now, member → -1 granted, else retryAt.
 * Refuses a request older than the newest grant (retryAt = now), so grants stay in time order.
 */
export const TAKE_START = `
local max, windowMs, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - windowMs)
local blocked = tonumber(redis.call('GET', KEYS[2]) or '0')
if blocked > now then return blocked end
local last = redis.call('ZREVRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if last[2] and tonumber(last[2]) > now then return now end
local count = redis.call('ZCARD', KEYS[1])
if count >= max then
  local step = math.max(1, math.floor(windowMs / max))
  local frees = tonumber(redis.call('ZRANGE', KEYS[1], count - max, count - max, 'WITHSCORES')[2]) + windowMs
  -- A start frees within one share of the window: ask again right then (whose turn it is, or jitter).
  if frees <= now + step then return frees end
  -- Else join the line (KEYS[3]): each refusal comes back one share of the window after the previous one.
  local retryAt = math.max(frees, tonumber(redis.call('GET', KEYS[3]) or '0') + step)
  redis.call('SET', KEYS[3], retryAt, 'PX', math.max(1, retryAt - now) + ${KEY_SLACK_MS})
  return retryAt
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], windowMs + ${KEY_SLACK_MS})
return -1
`;

/** KEYS: slots. ARGV: max, ttlMs, now, holder → -1 granted (or renewed), else the earliest expiry. */
export const TAKE_SLOT = `
local max, ttlMs, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[4]) or redis.call('ZCARD', KEYS[1]) < max then
  redis.call('ZADD', KEYS[1], now + ttlMs, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ttlMs + ${KEY_SLACK_MS})
  return -1
end
return tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
`;

/** KEYS: block. ARGV: until, now → sets the block unless a later one is set. */
export const BLOCK = `
local untilMs, now = tonumber(ARGV[1]), tonumber(ARGV[2])
if untilMs > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', math.max(1, untilMs - now) + ${KEY_SLACK_MS})
end
return 0
`;
