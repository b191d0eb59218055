import { describe, expect, it } from 'vitest';
import type { QueueAdapterV1 } from '../src/adapter.js';
import { CapabilityError, InvalidOptionsError } from '../src/errors.js';
import { createSwitchyard } from '../src/yard.js';

/** The smallest specVersion 1 adapter: records list queries, answers nothing else. */
function v1Adapter() {
  const listed: unknown[] = [];
  const adapter: QueueAdapterV1 = {
    name: 'old',
    specVersion: 1,
    capabilities: {
      durable: true,
      transactionalEnqueue: false,
      ordering: 'strict',
      maxPayloadBytes: 1024,
      maxDelayMs: Number.POSITIVE_INFINITY,
      crossProcessCancel: false,
      nativeScheduler: false,
      crossProcessLeases: false,
    },
    start: async () => {},
    close: async () => {},
    enqueue: async () => [],
    consume: () => ({ stop: async () => {} }),
    jobs: {
      get: async () => null,
      list: async (query) => {
        listed.push(query);
        return { jobs: [] };
      },
      counts: async () => ({
        scheduled: 0,
        pending: 0,
        running: 0,
        retrying: 0,
        completed: 0,
        failed: 0,
        cancelled: 0,
      }),
      cancel: async () => 'not_found',
      retry: async () => null,
      remove: async () => false,
    },
    queues: {
      pause: async () => {},
      resume: async () => {},
      isPaused: async () => false,
      list: async () => [],
    },
    schedules: {
      upsert: async () => {},
      get: async () => null,
      list: async () => [],
      remove: async () => false,
      setPaused: async () => false,
      advance: async () => false,
    },
  };
  return { adapter, listed };
}

describe('a specVersion 1 adapter', () => {
  it('keeps the job runtime; operations calls are refused with CapabilityError', async () => {
    const { adapter, listed } = v1Adapter();
    const yard = createSwitchyard({ adapter });
    await yard.start();
    await yard.jobs.list({ state: 'pending', limit: 10 });
    expect(listed).toEqual([{ state: 'pending', limit: 10 }]);
    const refusals: Array<() => Promise<unknown>> = [
      () => yard.workers.list(),
      () => yard.stats.summary(),
      () => yard.stats.history({ from: 0, to: 60_000, bucket: '1m' }),
      () => yard.subscribe(() => {}),
      () => yard.jobs.bulk({ filter: { state: 'failed' }, action: 'retry' }),
      () => yard.jobs.clean({ state: 'completed', olderThan: '1d' }),
      async () => yard.jobs.list({ state: ['pending', 'failed'] }),
      async () => yard.jobs.list({ metadata: { tenant: 'a' } }),
    ];
    for (const call of refusals) {
      const error = await call().then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(CapabilityError);
      expect((error as Error).message).toMatch(/specVersion 2/);
    }
    await yard.close();
  });

  it('an adapter of an unknown specVersion is refused', () => {
    const { adapter } = v1Adapter();
    expect(() => createSwitchyard({ adapter: { ...adapter, specVersion: 3 } as never })).toThrow(
      InvalidOptionsError,
    );
  });
});
