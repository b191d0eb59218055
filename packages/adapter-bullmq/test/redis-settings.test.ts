/**
 * The persistence and eviction check at `start()`, on real redis-servers started for the test
 * with the settings under test (the shared Redis is never reconfigured): warnings where jobs would
 * be lost, none where they are safe, an info line where CONFIG is refused, and never a CONFIG SET.
 */
import { bullmqAdapter } from '@switchyard/adapter-bullmq';
import { type Logger, systemClock } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type RedisServer, redisCli, startRedisServer } from '../../../scripts/redis-cluster.mjs';

const servers: RedisServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

/** Starts an adapter on a fresh redis-server with `config`; returns the adapter's log lines at info and above. */
async function startWith(config: string[]) {
  const server = await startRedisServer({ config });
  servers.push(server);
  const lines: Array<{ level: string; message: string }> = [];
  const log = (level: string) => (_fields: object, message?: string) => {
    if (level !== 'debug' && level !== 'trace') lines.push({ level, message: message ?? '' });
  };
  const logger = {
    trace: log('trace'),
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    fatal: log('fatal'),
    child: () => logger,
  } as unknown as Logger;
  const adapter = bullmqAdapter({ connection: { host: server.host, port: server.port } });
  await adapter.start({ logger, clock: systemClock, retention: {} });
  await adapter.close();
  return { lines, server };
}

describe('bullmq: Redis settings checked at start()', () => {
  it('no persistence and an evicting policy: one warning each', async () => {
    const { lines, server } = await startWith([
      '--appendonly',
      'no',
      '--save',
      '',
      '--maxmemory-policy',
      'allkeys-lru',
    ]);
    expect(lines.map((line) => line.level)).toEqual(['warn', 'warn']);
    expect(lines[0]?.message).toMatch(/without persistence \(appendonly no, save ""\)/);
    expect(lines[1]?.message).toMatch(/maxmemory-policy allkeys-lru/);
    // Read only: CONFIG GET was called, CONFIG SET never.
    const stats = await redisCli(server.port, 'INFO', 'commandstats');
    expect(stats).toMatch(/cmdstat_config\|get:calls=/);
    expect(stats).not.toMatch(/cmdstat_config\|set/);
  });

  it('AOF on and noeviction: nothing to say', async () => {
    const { lines } = await startWith(['--appendonly', 'yes', '--maxmemory-policy', 'noeviction']);
    expect(lines).toEqual([]);
  });

  it('CONFIG renamed away (as on managed services): an info line, and start() succeeds', async () => {
    const { lines } = await startWith(['--rename-command', 'CONFIG', '']);
    expect(lines.map((line) => line.level)).toEqual(['info']);
    expect(lines[0]?.message).toMatch(/could not read the Redis configuration/);
  });
});
