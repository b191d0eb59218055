/** The warning at start() when the Redis store's Redis does not persist or evicts keys. */
import { memoryStore } from '@switchyard/adapter-sqs';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import {
  type RedisDurabilitySettings,
  readRedisDurability,
  redisDurabilityWarnings,
} from '../src/store/redis-durability.js';
import { REDIS_URL } from './conformance-adapter.js';
import { newPrefix, recordingLogger, startedAdaptersClosedAfterEach } from './support.js';

const adapterFor = startedAdaptersClosedAfterEach();

describe('Redis durability warnings (pure)', () => {
  it.each<[string, RedisDurabilitySettings, RegExp[]]>([
    ['AOF on, noeviction', { appendonly: 'yes', save: '', 'maxmemory-policy': 'noeviction' }, []],
    [
      'RDB snapshots only, noeviction',
      { appendonly: 'no', save: '3600 1', 'maxmemory-policy': 'noeviction' },
      [],
    ],
    [
      'no persistence at all',
      { appendonly: 'no', save: '', 'maxmemory-policy': 'noeviction' },
      [/without persistence/],
    ],
    [
      'an evicting policy',
      { appendonly: 'yes', save: '', 'maxmemory-policy': 'allkeys-lru' },
      [/maxmemory-policy allkeys-lru/],
    ],
    [
      'a volatile policy',
      { appendonly: 'yes', 'maxmemory-policy': 'volatile-ttl' },
      [/maxmemory-policy volatile-ttl/],
    ],
    [
      'both',
      { appendonly: 'no', save: ' ', 'maxmemory-policy': 'allkeys-random' },
      [/without persistence/, /evicts keys/],
    ],
    ['CONFIG GET refused', null, [/could not read the Redis configuration/]],
  ])('%s', (_name, settings, expected) => {
    const warnings = redisDurabilityWarnings(settings);
    expect(warnings).toHaveLength(expected.length);
    for (const [index, pattern] of expected.entries()) expect(warnings[index]).toMatch(pattern);
  });
});

describe('Redis durability warnings at start()', () => {
  it("logs at warn exactly what this Redis's own settings call for (read with CONFIG GET)", async () => {
    const backdoor = new Redis(REDIS_URL);
    let expected: string[];
    try {
      expected = redisDurabilityWarnings(await readRedisDurability(backdoor));
    } finally {
      backdoor.disconnect();
    }
    const logger = recordingLogger();
    await adapterFor(newPrefix(), {}, { logger });
    const logged = logger.lines
      .filter(
        (line) => line.level === 'warn' && /job-state store's Redis|Redis configuration/.test(line.msg ?? ''),
      )
      .map((line) => line.msg);
    expect(logged).toEqual(expected);
  });

  it('the memory store has nothing to check', async () => {
    const logger = recordingLogger();
    await adapterFor(newPrefix(), { store: memoryStore() }, { logger });
    expect(logger.lines.filter((line) => line.level === 'warn')).toEqual([]);
  });
});
