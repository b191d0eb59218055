export {
  defineThrottleScripts,
  type RedisThrottleCounters,
  redisThrottleCounters,
  type ThrottleRedisClient,
} from './counters.js';
