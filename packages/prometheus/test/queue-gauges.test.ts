import { memoryAdapter } from '@switchyard/adapter-memory';
import {
  createSwitchyard,
  defineTask,
  InvalidOptionsError,
  JOB_STATES,
  type JobState,
  type Logger,
} from '@switchyard/core';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type QueueSnapshot, registerQueueGauges, type SnapshotYard } from '../src/index.js';
import { sample, samples } from './samples.js';

function counts(partial: Partial<Record<JobState, number>>): Record<JobState, number> {
  return Object.fromEntries(JOB_STATES.map((state) => [state, partial[state] ?? 0])) as Record<
    JobState,
    number
  >;
}

const snapshot: QueueSnapshot = {
  queue: 'email',
  counts: counts({ pending: 4, running: 1, failed: 2 }),
  oldestPendingAgeMs: 90_500,
  paused: true,
};

/** A controllable snapshot source: each call waits for the test to answer it. */
function manualSource() {
  const calls: { resolve(value: QueueSnapshot[]): void; reject(error: Error): void }[] = [];
  const source = () =>
    new Promise<QueueSnapshot[]>((resolve, reject) => {
      calls.push({ resolve, reject });
    });
  return { source, calls };
}

function recordingLogger() {
  const lines: string[] = [];
  const logger: Logger = {
    debug() {},
    info: (_obj, msg) => lines.push(`info ${msg}`),
    warn: (obj, msg) => lines.push(`warn ${msg}: ${(obj as { err: Error }).err.message}`),
    error() {},
  };
  return { logger, lines };
}

describe('registerQueueGauges', () => {
  it('renders each queue by state, the oldest pending age in seconds, and the pause flag', async () => {
    const registry = new Registry();
    registerQueueGauges(registry, async () => [snapshot]);
    expect(await samples(registry, 'switchyard_queue_jobs')).toEqual({
      'queue=email,state=scheduled': 0,
      'queue=email,state=pending': 4,
      'queue=email,state=running': 1,
      'queue=email,state=retrying': 0,
      'queue=email,state=completed': 0,
      'queue=email,state=failed': 2,
      'queue=email,state=cancelled': 0,
    });
    expect(await sample(registry, 'switchyard_queue_oldest_pending_seconds', { queue: 'email' })).toBe(90.5);
    expect(await sample(registry, 'switchyard_queue_paused', { queue: 'email' })).toBe(1);
    expect(await sample(registry, 'switchyard_scrape_errors_total')).toBe(0);
  });

  it('one backend read serves a scrape and every scrape within cacheFor; a queue that is gone disappears', async () => {
    const registry = new Registry();
    let nowMs = 0;
    let reads = 0;
    let queues: QueueSnapshot[] = [
      snapshot,
      { ...snapshot, queue: 'sms', oldestPendingAgeMs: null, paused: false },
    ];
    registerQueueGauges(
      registry,
      async () => {
        reads++;
        return queues;
      },
      { cacheFor: '10s', now: () => nowMs },
    );
    await registry.metrics();
    expect(reads).toBe(1);
    queues = [snapshot];
    nowMs = 9_999;
    await registry.metrics();
    expect(reads).toBe(1);
    expect(await sample(registry, 'switchyard_queue_paused', { queue: 'sms' })).toBe(0);
    nowMs = 10_000;
    const text = await registry.metrics();
    expect(reads).toBe(2);
    expect(text).not.toContain('queue="sms"');
    // The sms queue had no runnable job age to report: no sample, rather than a made-up 0.
    expect(await samples(registry, 'switchyard_queue_oldest_pending_seconds')).toEqual({
      'queue=email': 90.5,
    });
  });

  it('a backend that does not answer in time: the scrape completes without the gauges and counts an error', async () => {
    const registry = new Registry();
    const { source, calls } = manualSource();
    const { logger, lines } = recordingLogger();
    registerQueueGauges(registry, source, { timeout: 50, cacheFor: '10s', now: () => 0, logger });
    const started = performance.now();
    const text = await registry.metrics();
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(text).not.toMatch(/^switchyard_queue_jobs\{/m);
    expect(text).toContain('# TYPE switchyard_queue_jobs gauge');
    expect(text).toMatch(/^switchyard_scrape_errors_total 1$/m);
    // The next scrapes join the call still in flight instead of piling more on the backend.
    await registry.metrics();
    expect(calls).toHaveLength(1);
    expect(await sample(registry, 'switchyard_scrape_errors_total')).toBe(3);
    // The late answer still lands in the cache, and the following scrape shows it.
    calls[0]!.resolve([snapshot]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(await sample(registry, 'switchyard_queue_jobs', { queue: 'email', state: 'pending' })).toBe(4);
    expect(lines).toEqual([
      'warn switchyard: queue gauges could not be read from the backend; left out: the backend did not answer within 50 ms',
      'info switchyard: queue gauges are read from the backend again',
    ]);
  });

  it('a backend error is a counted scrape error, never a failed scrape', async () => {
    const registry = new Registry();
    let down = true;
    registerQueueGauges(
      registry,
      async () => {
        if (down) throw new Error('ECONNREFUSED 127.0.0.1:6379');
        return [snapshot];
      },
      { cacheFor: 0 },
    );
    await expect(registry.metrics()).resolves.toContain('switchyard_scrape_errors_total 1');
    await expect(registry.metrics()).resolves.toContain('switchyard_scrape_errors_total 2');
    down = false;
    const text = await registry.metrics();
    expect(text).toContain('switchyard_scrape_errors_total 2');
    expect(text).toContain('switchyard_queue_jobs{queue="email",state="pending"} 4');
  });

  it('agrees with yard.jobs.counts() and isPaused on a live yard', async () => {
    const task = defineTask({ name: 'mail', queue: 'email', schema: z.object({ n: z.number() }) });
    const other = defineTask({ name: 'sms', queue: 'sms', schema: z.object({ n: z.number() }) });
    const yard = createSwitchyard({ adapter: memoryAdapter(), tasks: [task, other] });
    await yard.start();
    await yard.enqueueMany(task, [{ n: 1 }, { n: 2 }, { n: 3 }]);
    await yard.enqueue(task, { n: 4 }, { delay: '1h' });
    await yard.enqueue(other, { n: 5 });
    await yard.queues.pause('sms');
    const registry = new Registry();
    registerQueueGauges(registry, yard, { cacheFor: 0 });
    for (const queue of ['email', 'sms']) {
      const expected = await yard.jobs.counts({ queue });
      for (const state of JOB_STATES) {
        expect(await sample(registry, 'switchyard_queue_jobs', { queue, state })).toBe(expected[state]);
      }
    }
    expect(await sample(registry, 'switchyard_queue_jobs', { queue: 'email', state: 'pending' })).toBe(3);
    expect(await samples(registry, 'switchyard_queue_paused')).toEqual({ 'queue=email': 0, 'queue=sms': 1 });
    await yard.close();
    // A closed yard: the scrape still answers, without the gauges.
    expect(await registry.metrics()).toContain('switchyard_scrape_errors_total 1');
  });

  it('reads yard.stats.summary() on a specVersion 2 adapter (one call, with the oldest pending age)', async () => {
    const registry = new Registry();
    let summaries = 0;
    const yard = {
      adapter: { specVersion: 2 } as never,
      jobs: {} as never,
      queues: {} as never,
      stats: {
        async summary() {
          summaries++;
          return { at: new Date(), queues: [{ ...snapshot, workers: 2, jobsPerMinute: 30 }] };
        },
      },
    };
    registerQueueGauges(registry, yard as unknown as SnapshotYard);
    expect(await sample(registry, 'switchyard_queue_oldest_pending_seconds', { queue: 'email' })).toBe(90.5);
    expect(summaries).toBe(1);
  });

  it.each([
    [{ timeout: 0 }, /timeout must be more than 0/],
    [{ timeout: 'soon' }, /timeout/],
    [{ cacheFor: -1 }, /cacheFor/],
    [{ prefix: 'a b' }, /prefix must be empty or match/],
  ])('refuses %j', (options, message) => {
    expect(() => registerQueueGauges(new Registry(), async () => [], options as never)).toThrow(message);
  });

  it('refuses a source that is neither a yard nor a function, and a second registration', () => {
    const registry = new Registry();
    expect(() => registerQueueGauges(registry, { jobs: 1 } as never)).toThrow(InvalidOptionsError);
    expect(() => registerQueueGauges({} as never, async () => [])).toThrow(/needs a prom-client Registry/);
    const gauges = registerQueueGauges(registry, async () => []);
    expect(() => registerQueueGauges(registry, async () => [])).toThrow(
      /already has "switchyard_queue_jobs": register queue gauges once per registry/,
    );
    gauges.unregister();
    expect(() => registerQueueGauges(registry, async () => [])).not.toThrow();
  });
});
