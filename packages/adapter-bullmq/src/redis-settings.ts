/**
 * The Redis settings that decide whether jobs survive: persistence and the eviction policy.
 * `start()` reads them (`CONFIG GET` only; the adapter never changes a server's configuration)
 * and warns about settings that lose jobs. Where `CONFIG` is refused (managed Redis services
 * often rename or disable it) the check is skipped with an info line.
 */
import type { Logger } from '@switchyard/core';
import { Cluster } from 'ioredis';
import type { RedisClient } from './options.js';

/** The configuration values the check reads. */
export interface PersistenceSettings {
  appendonly?: string;
  save?: string;
  'maxmemory-policy'?: string;
}

/** The parameters read with `CONFIG GET`. */
export const CHECKED_PARAMETERS = ['appendonly', 'save', 'maxmemory-policy'] as const;

/** Warnings for settings that lose jobs (pure); empty when the settings keep them. */
export function persistenceWarnings(settings: PersistenceSettings): string[] {
  const warnings: string[] = [];
  const aof = settings.appendonly?.toLowerCase();
  const save = settings.save?.trim();
  if (aof === 'no' && save === '') {
    warnings.push(
      'Redis runs without persistence (appendonly no, save ""): a restart loses every job. ' +
        'Set `appendonly yes` (see the BullMQ adapter docs, "Redis settings for production")',
    );
  }
  const policy = settings['maxmemory-policy']?.toLowerCase();
  if (policy !== undefined && policy !== 'noeviction') {
    warnings.push(
      `Redis evicts keys under memory pressure (maxmemory-policy ${policy}): it can delete jobs, locks ` +
        'and unique keys. Set `maxmemory-policy noeviction`',
    );
  }
  return warnings;
}

/** `CONFIG GET` reply ([name, value, ...] or an object, by client) → settings. */
export function toSettings(reply: unknown): PersistenceSettings {
  const settings: Record<string, string> = {};
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) settings[String(reply[i])] = String(reply[i + 1]);
  } else if (typeof reply === 'object' && reply !== null) {
    for (const [key, value] of Object.entries(reply)) settings[key] = String(value);
  }
  return settings;
}

/** The servers to ask: the one Redis, or every master of a cluster. */
function servers(
  client: RedisClient,
): Array<{ name: string; config: (...args: string[]) => Promise<unknown> }> {
  if (client instanceof Cluster) {
    return client.nodes('master').map((node) => ({
      name: `${node.options.host}:${node.options.port}`,
      config: (...args: string[]) => node.call('CONFIG', ...args),
    }));
  }
  return [{ name: 'redis', config: (...args: string[]) => client.call('CONFIG', ...args) }];
}

/** Reads the settings of every server and logs what would lose jobs (never throws). */
export async function checkRedisSettings(client: RedisClient, logger: Logger): Promise<void> {
  for (const server of servers(client)) {
    let settings: PersistenceSettings;
    try {
      // One parameter per call: Redis before 7 takes only one.
      const replies = await Promise.all(CHECKED_PARAMETERS.map((name) => server.config('GET', name)));
      settings = Object.assign({}, ...replies.map(toSettings));
    } catch (error) {
      logger.info(
        { err: error, server: server.name },
        'bullmq: could not read the Redis configuration (CONFIG GET refused); persistence and eviction are not checked',
      );
      continue;
    }
    for (const warning of persistenceWarnings(settings)) {
      logger.warn({ server: server.name, settings }, `bullmq: ${warning}`);
    }
  }
}
