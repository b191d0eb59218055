import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AdapterCapabilities } from '../src/adapter.js';
import { buildJob, buildJobFromValidPayload, type JobBuildContext } from '../src/job-builder.js';
import { defineTask } from '../src/task.js';

const capabilities: AdapterCapabilities = {
  durable: true,
  transactionalEnqueue: false,
  ordering: 'strict',
  maxPayloadBytes: 1024,
  maxDelayMs: 60_000,
  crossProcessCancel: true,
  nativeScheduler: false,
  crossProcessLeases: true,
};
const context = (overrides: Partial<JobBuildContext> = {}): JobBuildContext => ({
  adapterName: 'test',
  capabilities,
  maxPayloadBytes: 256 * 1024,
  now: 1_000_000,
  newId: () => 'id-1',
  ...overrides,
});
const task = defineTask({
  name: 'send',
  queue: 'email',
  priority: 4,
  schema: z.object({ to: z.string() }),
  retry: { attempts: 4 },
});

describe('buildJob', () => {
  it('fills defaults from the task', async () => {
    const job = await buildJob(task, { to: 'a@b' }, {}, context());
    expect(job).toEqual({
      id: 'id-1',
      task: 'send',
      queue: 'email',
      payload: { to: 'a@b' },
      priority: 4,
      createdAt: new Date(1_000_000),
      runAt: new Date(1_000_000),
      maxAttempts: 4,
      metadata: {},
    });
  });

  it('applies per-enqueue options', async () => {
    const job = await buildJob(
      task,
      { to: 'a@b' },
      {
        delay: '30s',
        priority: 0,
        queue: 'other',
        uniqueKey: 'k',
        timeout: '2s',
        retry: { attempts: 'unlimited', backoff: '1s,2s' },
        metadata: { tenant: 't' },
      },
      context(),
    );
    expect(job).toMatchObject({
      runAt: new Date(1_030_000),
      priority: 0,
      queue: 'other',
      uniqueKey: 'k',
      timeoutMs: 2000,
      maxAttempts: null,
      backoff: { type: 'list', delays: [1000, 2000] },
      metadata: { tenant: 't' },
    });
  });

  it('rejects an invalid payload with the schema issues', async () => {
    await expect(buildJob(task, { to: 5 }, {}, context())).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      issues: [expect.objectContaining({ path: ['to'] })],
    });
  });

  it.each([
    [{ priority: 10 }, 'INVALID_OPTIONS'],
    [{ delay: 'soon' }, 'INVALID_OPTIONS'],
    [{ delay: '1s', runAt: new Date() }, 'INVALID_OPTIONS'],
    [{ runAt: new Date('nope') }, 'INVALID_OPTIONS'],
    [{ queue: 'bad queue' }, 'INVALID_OPTIONS'],
    [{ uniqueKey: '' }, 'INVALID_OPTIONS'],
    [{ metadata: { n: 1 } }, 'INVALID_OPTIONS'],
    [{ retry: { backoff: () => 1 } }, 'INVALID_OPTIONS'],
    [{ tx: {} }, 'CAPABILITY_UNSUPPORTED'],
    [{ delay: '2m' }, 'CAPABILITY_UNSUPPORTED'],
  ])('refuses %j with %s', async (options, code) => {
    await expect(buildJob(task, { to: 'x' }, options as never, context())).rejects.toMatchObject({ code });
  });

  it('caps the payload at the smaller of the yard and adapter limits', () => {
    const big = { to: 'x'.repeat(2000) };
    expect(() => buildJobFromValidPayload(task, big, {}, context())).toThrow(
      expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE', limitBytes: 1024 }),
    );
    expect(() => buildJobFromValidPayload(task, { to: 'x' }, {}, context({ maxPayloadBytes: 5 }))).toThrow(
      expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE', limitBytes: 5 }),
    );
  });

  it('refuses payloads that are not plain JSON', () => {
    expect(() => buildJobFromValidPayload(task, { to: new Date() }, {}, context())).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }),
    );
  });

  it('uses a given id (schedule ticks)', () => {
    expect(buildJobFromValidPayload(task, { to: 'x' }, {}, context(), 'fixed').id).toBe('fixed');
  });
});
