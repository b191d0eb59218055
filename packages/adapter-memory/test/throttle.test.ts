/**
 * Throttling through a yard on the memory adapter: what the conformance group does not
 * reach (capability refusal, a bad concurrencyKey, a dead holder's slot, slot renewal, the
 * fallback of RateLimitedError), with short windows; slot renewal on a manual clock.
 */
import { memoryAdapter } from '@switchyard/adapter-memory';
import {
  CapabilityError,
  createSwitchyard,
  defineTask,
  ManualClock,
  type QueueAdapter,
  RateLimitedError,
  type Switchyard,
} from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';

const yards: Switchyard[] = [];
afterEach(async () => {
  for (const yard of yards.splice(0)) await yard.close();
});

async function startYard(adapter: QueueAdapter, tasks: Parameters<typeof createSwitchyard>[0]['tasks']) {
  const yard = createSwitchyard({ adapter, tasks });
  yards.push(yard);
  await yard.start();
  return yard;
}

/** The memory adapter as if it could not throttle. */
function withoutThrottle(): QueueAdapter {
  const adapter = memoryAdapter();
  const { throttle: _throttle, ...rest } = adapter;
  return { ...rest, capabilities: { ...adapter.capabilities, throttle: false } };
}

async function waitFor<T>(probe: () => Promise<T | undefined | null | false>, what: string): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const perTenant = defineTask({
  name: 'per-tenant',
  queue: 'tenants',
  concurrencyKey: (payload: unknown) => (payload as { tenant: string }).tenant,
  retry: { attempts: 1 },
});

describe('throttling on the memory adapter', () => {
  it('a worker serving a throttled task refuses to start on an adapter that cannot throttle', async () => {
    const yard = await startYard(withoutThrottle(), [perTenant]);
    expect(() => yard.createWorker({ queues: ['tenants'] })).toThrow(CapabilityError);
    expect(() => yard.createWorker({ queues: ['tenants'] })).toThrow(/task "per-tenant"/);
    // A worker of another queue does not serve it.
    expect(() => yard.createWorker({ queues: ['other'] })).not.toThrow();
  });

  it('a queue rate limit on an adapter that cannot throttle is refused too', async () => {
    const adapter = withoutThrottle();
    const yard = createSwitchyard({ adapter, queueRateLimits: { mail: { max: 1, per: '1s' } } });
    yards.push(yard);
    await yard.start();
    expect(() => yard.createWorker({ queues: ['mail'] })).toThrow(/queue "mail"/);
  });

  it('a concurrencyKey returning no usable key fails the job with InvalidOptionsError', async () => {
    const yard = await startYard(memoryAdapter(), [perTenant]);
    const worker = yard.createWorker({ queues: ['tenants'] });
    worker.handle(perTenant, () => 'ran');
    await worker.start();
    const { id } = await yard.enqueue(perTenant, { tenant: '' });
    const failed = await waitFor(async () => {
      const job = await yard.jobs.get(id);
      return job?.state === 'failed' ? job : undefined;
    }, 'the job to fail');
    expect(failed.error).toMatchObject({ code: 'INVALID_OPTIONS' });
    expect(failed.error?.message).toMatch(/concurrencyKey must return/);
  });

  it('a slot held by a holder that vanished comes back when its lease-long expiry passes', async () => {
    const adapter = memoryAdapter();
    const yard = await startYard(adapter, [perTenant]);
    const ghostUntil = Date.now() + 300;
    // A holder that died holding acme's only slot, 300 ms before its expiry.
    await adapter.throttle.acquire({
      kind: 'slot',
      key: 'slots:per-tenant:acme',
      max: 1,
      holder: 'ghost',
      ttlMs: 300,
      now: Date.now(),
    });
    const worker = yard.createWorker({ queues: ['tenants'] });
    worker.handle(perTenant, () => undefined);
    await worker.start();
    const { id } = await yard.enqueue(perTenant, { tenant: 'acme' });
    const done = await waitFor(async () => {
      const job = await yard.jobs.get(id);
      return job?.state === 'completed' ? job : undefined;
    }, 'the job to complete');
    expect(done.startedAt!.getTime()).toBeGreaterThanOrEqual(ghostUntil);
    expect(done.attempt).toBe(1);
  });

  it('a job running past its lease keeps its slot (renewed on every heartbeat)', async () => {
    // Time is the yard's clock: twenty leases pass while the first job runs, however loaded the machine.
    const clock = new ManualClock();
    const yard = createSwitchyard({ adapter: memoryAdapter(), tasks: [perTenant], clock });
    yards.push(yard);
    await yard.start();
    const worker = yard.createWorker({ queues: ['tenants'], concurrency: 2, leaseDuration: 150 });
    let running = 0;
    let overlapped = false;
    let started = 0;
    const finish: Array<() => void> = [];
    worker.handle(perTenant, async () => {
      started++;
      if (running > 0) overlapped = true;
      running++;
      await new Promise<void>((resolve) => finish.push(resolve));
      running--;
    });
    await worker.start();
    await yard.enqueue(perTenant, { tenant: 'acme' });
    await yard.enqueue(perTenant, { tenant: 'acme' });
    await waitFor(async () => started === 1, 'the first job to start');
    for (let step = 0; step < 60; step++) await clock.advance(50);
    // Its heartbeats renewed the slot: the other job of the key waited the whole time.
    expect(started).toBe(1);
    finish[0]!();
    await waitFor(async () => {
      await clock.advance(50);
      return started === 2;
    }, 'the second job to start once the slot is free');
    finish[1]!();
    expect(overlapped).toBe(false);
  });

  it('RateLimitedError on a task without rateLimit defers that job, its attempt not consumed', async () => {
    const task = defineTask({ name: 'plain', retry: { attempts: 1 } });
    const yard = await startYard(memoryAdapter(), [task]);
    const worker = yard.createWorker();
    let thrownAt = 0;
    worker.handle(task, () => {
      if (thrownAt === 0) {
        thrownAt = Date.now();
        throw new RateLimitedError(100);
      }
    });
    await worker.start();
    const { id } = await yard.enqueue(task, {});
    const done = await waitFor(async () => {
      const job = await yard.jobs.get(id);
      return job?.state === 'completed' ? job : undefined;
    }, 'the job to complete');
    // One attempt allowed, and the second run still completed: the first did not count.
    expect(done.attempt).toBe(1);
    expect(done.startedAt!.getTime()).toBeGreaterThanOrEqual(thrownAt + 100);
  });

  it('RateLimitedError acts as RetryAfterError where the adapter cannot throttle (the attempt is consumed)', async () => {
    const task = defineTask({ name: 'partner', retry: { attempts: 3 } });
    const yard = await startYard(withoutThrottle(), [task]);
    const worker = yard.createWorker();
    let runs = 0;
    worker.handle(task, () => {
      runs++;
      if (runs === 1) throw new RateLimitedError('50ms');
    });
    await worker.start();
    const { id } = await yard.enqueue(task, {});
    const done = await waitFor(async () => {
      const job = await yard.jobs.get(id);
      return job?.state === 'completed' ? job : undefined;
    }, 'the job to complete');
    expect(done.attempt).toBe(2);
  });
});
