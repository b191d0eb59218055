/**
 * Throttle counters on a Redis client: what a `ThrottleStore` needs to take a start from a
 * rate window, take or give back a concurrency slot, and block a window. Keys are
 * `${keyPrefix}:grants|block|promised|slots:${key}`; put a hash tag in the prefix on Redis
 * Cluster (each script names its keys, and all of one check's keys share the prefix).
 */
import type { ThrottleAnswer, ThrottleRequest } from '@switchyard/core';
import { BLOCK, TAKE_SLOT, TAKE_START } from './scripts.js';

/** What the counters use of an ioredis `Redis` or `Cluster` client. */
export interface ThrottleRedisClient {
  defineCommand(name: string, definition: { numberOfKeys: number; lua: string }): void;
  zrem(key: string, ...members: string[]): Promise<number>;
}

/** The counters of one key prefix. */
export interface RedisThrottleCounters {
  /** Takes one start from a rate window or one slot, or says when to ask again. */
  take(request: ThrottleRequest): Promise<ThrottleAnswer>;
  /** Gives a slot back. */
  release(key: string, holder: string): Promise<void>;
  /** Grants nothing from the rate window `key` before `until`; `now` is core's clock. */
  block(key: string, until: number, now: number): Promise<void>;
}

type Command = (...args: Array<string | number>) => Promise<unknown>;
type ScriptName = 'syThrottleStart' | 'syThrottleSlot' | 'syThrottleBlock';

/**
 * Defines the three scripts on `client` (once; again is a no-op). Call it when the client is
 * created: ioredis copies a client's scripts into each auto-pipeline it opens, so a script
 * defined after the first auto-pipelined command is missing from those pipelines.
 */
export function defineThrottleScripts(client: ThrottleRedisClient): void {
  if ('syThrottleStart' in client) return;
  client.defineCommand('syThrottleStart', { numberOfKeys: 3, lua: TAKE_START });
  client.defineCommand('syThrottleSlot', { numberOfKeys: 1, lua: TAKE_SLOT });
  client.defineCommand('syThrottleBlock', { numberOfKeys: 1, lua: BLOCK });
}

/** Runs the script command `name` on `client` (no bound copy per check: this is on every throttled start). */
function run(client: ThrottleRedisClient, name: ScriptName, args: Array<string | number>): Promise<unknown> {
  const command = (client as unknown as Partial<Record<ScriptName, Command>>)[name];
  if (typeof command !== 'function')
    throw new Error(`redis-throttle: the client has no "${name}"; call defineThrottleScripts(client) first`);
  return command.apply(client, args);
}

/**
 * The counters under `keyPrefix`, on the client `redis` returns (called per check, so a store
 * that connects lazily or reconnects hands over whichever client is current). Its scripts must
 * be defined on that client (`defineThrottleScripts`).
 */
export function redisThrottleCounters(
  redis: () => ThrottleRedisClient | Promise<ThrottleRedisClient>,
  keyPrefix: string,
): RedisThrottleCounters {
  const key = (kind: 'grants' | 'block' | 'promised' | 'slots', name: string) =>
    `${keyPrefix}:${kind}:${name}`;
  return {
    async take(request) {
      const client = await redis();
      const reply =
        request.kind === 'rate'
          ? await run(client, 'syThrottleStart', [
              key('grants', request.key),
              key('block', request.key),
              key('promised', request.key),
              request.max,
              request.windowMs,
              request.now,
              `${request.now}:${request.member}`,
            ])
          : await run(client, 'syThrottleSlot', [
              key('slots', request.key),
              request.max,
              request.ttlMs,
              request.now,
              request.holder,
            ]);
      const retryAt = Number(reply);
      return retryAt === -1 ? { granted: true } : { granted: false, retryAt };
    },
    async release(name, holder) {
      await (await redis()).zrem(key('slots', name), holder);
    },
    async block(name, until, now) {
      await run(await redis(), 'syThrottleBlock', [key('block', name), until, now]);
    },
  };
}
