/** Pure policy of living beside BullMQ's own tools: put-back detection, promoted runAt, foreign mappings, Redis settings. */
import { MalformedJobError } from '@switchyard/core';
import type { Job } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { reconnectDelay } from '../src/connections.js';
import { type ForeignJobMapping, foreignFields } from '../src/foreign-jobs.js';
import { resolveOptions } from '../src/options.js';
import { persistenceWarnings, toSettings } from '../src/redis-settings.js';
import { effectiveRunAt, mayBePutBack, putBackByTool } from '../src/tool-actions.js';

describe('a finished job put back by a BullMQ tool', () => {
  it.each([
    ['fresh job', {}, false],
    ['retried by Switchyard twice (atm follows syAtm)', { atm: '2', syAtm: '2' }, false],
    ['completed, then retried in bull-board (atm one ahead)', { atm: '1' }, true],
    ['failed after two retries, then retried in bull-board', { atm: '3', syAtm: '2' }, true],
    ['retried by a tool that reset attemptsMade', { atm: '0', syAtm: '2' }, true],
    ['cancelled while waiting, then retried in bull-board', { syState: 'cancelled' }, true],
    ['a cleared cancel mark', { syState: '', atm: '1', syAtm: '1' }, false],
  ])('%s → %s', (_, fields, expected) => {
    expect(putBackByTool(fields as Record<string, string>)).toBe(expected);
  });

  it.each([
    [0, false],
    [1, true],
    [4, true],
  ])('a delivery with attemptsMade %i is checked: %s', (attemptsMade, checked) => {
    expect(mayBePutBack(attemptsMade)).toBe(checked);
  });
});

describe('runAt of a job promoted early', () => {
  it.each([
    ['delayed: its score', 'delayed', 5000, undefined, 1000, 5000],
    ['waiting, promoted before its time: now', 'prioritized', 5000, undefined, 1000, 1000],
    ['waiting, due long ago: its runAt', 'wait', 500, undefined, 1000, 500],
    ['running, promoted: its start', 'active', 5000, 1200, 1300, 1200],
    ['completed on time: its runAt', 'completed', 1000, 1100, 9000, 1000],
    ['cancelled before it ever ran: its runAt', 'failed', 5000, undefined, 1000, 5000],
  ] as const)('%s', (_, place, stored, startedAt, now, expected) => {
    expect(effectiveRunAt(place, stored, startedAt, now)).toBe(expected);
  });
});

/** The fields of a BullMQ job a mapping reads. */
function bullJob(overrides: Partial<Job> = {}): Job {
  return {
    id: '17',
    name: 'resize',
    queueName: 'images',
    data: { url: 'https://example.com/a.png' },
    timestamp: 1_000_000,
    priority: 0,
    opts: {},
    ...overrides,
  } as Job;
}

describe('foreign job mappings', () => {
  it('{ task } takes the data as payload, BullMQ attempts (default 1), delay and backoff from the producer', () => {
    expect(foreignFields({ task: 'resize-image' }, bullJob())).toEqual({
      task: 'resize-image',
      payload: { url: 'https://example.com/a.png' },
      priority: 0,
      createdAt: new Date(1_000_000),
      runAt: new Date(1_000_000),
      maxAttempts: 1,
      metadata: {},
    });
    const produced = bullJob({
      priority: 3,
      opts: { attempts: 4, delay: 500, backoff: { type: 'exponential', delay: 100 } },
    });
    expect(foreignFields({ task: 'resize-image' }, produced)).toMatchObject({
      priority: 3,
      runAt: new Date(1_000_500),
      maxAttempts: 4,
      backoff: { type: 'exponential', delay: 100, factor: 2, jitter: 'none' },
    });
  });

  it('settings of the mapping win over the producer’s', () => {
    const mapping: ForeignJobMapping = { task: 't', maxAttempts: null, backoff: { type: 'fixed', delay: 5 } };
    const produced = bullJob({ opts: { attempts: 4, backoff: { type: 'fixed', delay: 100 } } });
    expect(foreignFields(mapping, produced)).toMatchObject({
      maxAttempts: null,
      backoff: { type: 'fixed', delay: 5 },
    });
  });

  it('a function decides task, payload and the rest', () => {
    const mapping: ForeignJobMapping = (job) => ({
      task: `bull.${job.name}`,
      payload: { ...(job.data as object), id: job.id },
      priority: 2,
      metadata: { source: 'bullmq' },
    });
    expect(foreignFields(mapping, bullJob())).toMatchObject({
      task: 'bull.resize',
      payload: { url: 'https://example.com/a.png', id: '17' },
      priority: 2,
      metadata: { source: 'bullmq' },
    });
  });

  it('a throwing or empty mapping makes the job malformed, saying which queue and job', () => {
    const throwing: ForeignJobMapping = () => {
      throw new Error('no such format');
    };
    expect(() => foreignFields(throwing, bullJob())).toThrow(MalformedJobError);
    expect(() => foreignFields(throwing, bullJob())).toThrow(
      /queue "images" threw on job 17: no such format/,
    );
    const empty = (() => undefined) as unknown as ForeignJobMapping;
    expect(() => foreignFields(empty, bullJob())).toThrow(/returned no \{ task, payload \}/);
  });

  it.each([
    [{ images: { task: '' } }, /foreignJobs\["images"\] must be/],
    [{ images: 'resize' }, /foreignJobs\["images"\] must be/],
    [{ 'a:b': { task: 't' } }, /invalid queue name "a:b"/],
    [{ images: { task: 't', maxAttempts: 0 } }, /maxAttempts must be a positive integer or null/],
    [[], /must be an object/],
  ])('bad foreignJobs option %j is refused', (foreignJobs, message) => {
    expect(() => resolveOptions({ connection: 'redis://x', foreignJobs } as never)).toThrow(message);
  });
});

describe('Redis settings', () => {
  it.each([
    ['AOF on, noeviction', { appendonly: 'yes', save: '', 'maxmemory-policy': 'noeviction' }, []],
    ['RDB snapshots only', { appendonly: 'no', save: '3600 1', 'maxmemory-policy': 'noeviction' }, []],
    [
      'no persistence at all',
      { appendonly: 'no', save: '', 'maxmemory-policy': 'noeviction' },
      [/without persistence/],
    ],
    [
      'an evicting policy',
      { appendonly: 'yes', save: '', 'maxmemory-policy': 'allkeys-lru' },
      [/allkeys-lru/],
    ],
    [
      'both',
      { appendonly: 'no', save: '', 'maxmemory-policy': 'volatile-ttl' },
      [/without persistence/, /volatile-ttl/],
    ],
    ['nothing readable', {}, []],
  ])('%s', (_, settings, expected) => {
    const warnings = persistenceWarnings(settings);
    expect(warnings).toHaveLength(expected.length);
    for (const [index, pattern] of expected.entries()) expect(warnings[index]).toMatch(pattern);
  });

  it('reads CONFIG GET replies as arrays or objects', () => {
    expect(toSettings(['appendonly', 'no', 'save', ''])).toEqual({ appendonly: 'no', save: '' });
    expect(toSettings({ 'maxmemory-policy': 'noeviction' })).toEqual({ 'maxmemory-policy': 'noeviction' });
    expect(toSettings(null)).toEqual({});
  });

  it('reconnects with a growing delay, at most 2 s', () => {
    expect([1, 2, 10, 40, 1000].map(reconnectDelay)).toEqual([50, 100, 500, 2000, 2000]);
  });
});
