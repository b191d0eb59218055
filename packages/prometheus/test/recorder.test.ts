import { memoryAdapter } from '@switchyard/adapter-memory';
import { createSwitchyard, defineTask, InvalidOptionsError, NonRetryableError } from '@switchyard/core';
import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { exportedMetrics, prometheusMetrics } from '../src/index.js';
import { sample, samples } from './samples.js';

const payload = z.object({ n: z.number() });

const okTask = defineTask({ name: 'billing.invoice:send-v2', queue: 'billing', schema: payload });
const flakyTask = defineTask({
  name: 'flaky',
  schema: payload,
  retry: { attempts: 3, backoff: { type: 'fixed', delay: 1 } },
});
const doomedTask = defineTask({ name: 'doomed', schema: payload, retry: { attempts: 5 } });
const laterTask = defineTask({ name: 'later', schema: payload });

async function startYard(registry: Registry) {
  const metrics = prometheusMetrics({ registry });
  const yard = createSwitchyard({
    adapter: memoryAdapter(),
    tasks: [okTask, flakyTask, doomedTask, laterTask],
    telemetry: { metrics },
  });
  await yard.start();
  return yard;
}

describe('prometheusMetrics on a yard', () => {
  it('counts what the worker ran, with queue and task labels and bounded error names', async () => {
    const registry = new Registry();
    const yard = await startYard(registry);
    const worker = yard.createWorker({ queues: ['billing', 'default'], concurrency: 4 });
    worker
      .handle(okTask, ({ n }) => n)
      .handle(flakyTask, (_p, ctx) => {
        if (ctx.attempt < 3) throw new Error(`attempt ${ctx.attempt} broke`);
        return 'third time';
      })
      .handle(doomedTask, () => {
        throw new NonRetryableError('card declined');
      })
      .handle(laterTask, () => 'never');
    await worker.start();
    const ids = [
      ...(await yard.enqueueMany(okTask, [{ n: 1 }, { n: 2 }, { n: 3 }])),
      await yard.enqueue(flakyTask, { n: 0 }),
      await yard.enqueue(doomedTask, { n: 0 }),
    ].map((job) => job.id);
    const { id: laterId } = await yard.enqueue(laterTask, { n: 0 }, { delay: '1h' });
    expect(await yard.jobs.cancel(laterId)).toBe('cancelled');
    for (const id of ids) await yard.jobs.waitFor(id, { timeout: '5s', pollInterval: 5 });

    const ok = { queue: 'billing', task: 'billing.invoice:send-v2' };
    expect(await sample(registry, 'switchyard_jobs_enqueued_total', ok)).toBe(3);
    expect(await sample(registry, 'switchyard_jobs_completed_total', ok)).toBe(3);
    expect(
      await sample(registry, 'switchyard_jobs_completed_total', { queue: 'default', task: 'flaky' }),
    ).toBe(1);
    expect(await sample(registry, 'switchyard_jobs_retried_total', { queue: 'default', task: 'flaky' })).toBe(
      2,
    );
    expect(await samples(registry, 'switchyard_jobs_failed_total')).toEqual({
      'queue=default,task=doomed,error=NonRetryableError': 1,
    });
    expect(
      await sample(registry, 'switchyard_jobs_cancelled_total', { queue: 'default', task: 'later' }),
    ).toBe(1);
    // One duration per attempt that completed; one wait per attempt started.
    expect(await sample(registry, 'switchyard_job_duration_seconds_count', ok)).toBe(3);
    expect(
      await sample(registry, 'switchyard_job_wait_seconds_count', { queue: 'default', task: 'flaky' }),
    ).toBe(3);
    expect(await sample(registry, 'switchyard_job_wait_seconds_bucket', { ...ok, le: '+Inf' })).toBe(3);

    const concurrency = await samples(registry, 'switchyard_worker_concurrency');
    expect(Object.keys(concurrency)).toEqual([expect.stringMatching(/^worker=worker-[0-9a-f]{12}$/)]);
    expect(Object.values(concurrency)).toEqual([4]);
    expect(Object.values(await samples(registry, 'switchyard_worker_active_jobs'))).toEqual([0]);
    await yard.close();
    // A stopped worker's gauges go away instead of showing its last values forever.
    expect(await samples(registry, 'switchyard_worker_concurrency')).toEqual({});
    expect(await samples(registry, 'switchyard_worker_active_jobs')).toEqual({});
  });

  it('a recorder without observeWorker gets the worker gauges pushed on every change', async () => {
    const pushed: string[] = [];
    const yard = createSwitchyard({
      adapter: memoryAdapter(),
      tasks: [okTask],
      telemetry: {
        metrics: {
          increment() {},
          observe() {},
          setWorkerGauge: (name, value) => pushed.push(`${name}=${value}`),
        },
      },
    });
    await yard.start();
    await yard
      .createWorker({ queues: ['billing'], concurrency: 2 })
      .handle(okTask, () => 1)
      .start();
    const { id } = await yard.enqueue(okTask, { n: 1 });
    await yard.jobs.waitFor(id, { timeout: '5s', pollInterval: 5 });
    expect(pushed).toEqual(['worker_concurrency=2', 'worker_active_jobs=1', 'worker_active_jobs=0']);
    await yard.close();
  });

  it('interleaved label sets, a registry reset and a forgotten worker each count where they belong', async () => {
    const registry = new Registry();
    const metrics = prometheusMetrics({ registry });
    const a = { queue: 'q', task: 'a' };
    const b = { queue: 'q', task: 'b' };
    for (const labels of [a, a, b, a, b]) metrics.increment('jobs_completed_total', labels);
    expect(await samples(registry, 'switchyard_jobs_completed_total')).toEqual({
      'queue=q,task=a': 3,
      'queue=q,task=b': 2,
    });
    registry.resetMetrics();
    metrics.increment('jobs_completed_total', b);
    expect(await samples(registry, 'switchyard_jobs_completed_total')).toEqual({ 'queue=q,task=b': 1 });

    const worker = { worker: 'w1' };
    metrics.setWorkerGauge('worker_concurrency', 4, worker);
    metrics.forgetWorker!(worker);
    expect(await samples(registry, 'switchyard_worker_concurrency')).toEqual({});
    metrics.setWorkerGauge('worker_concurrency', 8, worker);
    expect(await samples(registry, 'switchyard_worker_concurrency')).toEqual({ 'worker=w1': 8 });
  });

  it('two yards in one process share the counters of one registry', async () => {
    const registry = new Registry();
    const first = await startYard(registry);
    const second = await startYard(registry);
    await first.enqueue(okTask, { n: 1 });
    await second.enqueue(okTask, { n: 2 });
    const labels = { queue: 'billing', task: 'billing.invoice:send-v2' };
    expect(await sample(registry, 'switchyard_jobs_enqueued_total', labels)).toBe(2);
    await first.close();
    await second.close();
  });

  it('registers exactly the metric families the package documents', async () => {
    const registry = new Registry();
    prometheusMetrics({ registry, prefix: 'shop_' });
    const registered = (await registry.getMetricsAsJSON()).map((metric) => metric.name).sort();
    const documented = [...exportedMetrics('shop_').keys()].filter(
      (name) => !/queue_|scrape_errors/.test(name),
    );
    expect(registered).toEqual(documented.sort());
  });
});

describe('prometheusMetrics bad input', () => {
  it.each([
    [{ prefix: 'my-app_' }, /prefix must be empty or match/],
    [{ prefix: 7 }, /prefix must be empty or match/],
    [{ prefix: 'shop:' }, /colons are for recording rules/],
    [{ durationBuckets: [] }, /durationBuckets must be a non-empty array/],
    [{ waitBuckets: [1, 1] }, /waitBuckets must be a non-empty array of finite, strictly increasing/],
    [{ waitBuckets: [0.1, Number.POSITIVE_INFINITY] }, /waitBuckets/],
  ])('%j is refused with InvalidOptionsError', (options, message) => {
    const attempt = () => prometheusMetrics({ registry: new Registry(), ...(options as object) });
    expect(attempt).toThrow(InvalidOptionsError);
    expect(attempt).toThrow(message);
  });

  it('a registry holding an incompatible metric of the same name is refused, naming it', () => {
    const registry = new Registry();
    new Counter({
      name: 'switchyard_jobs_failed_total',
      help: 'mine',
      labelNames: ['queue'],
      registers: [registry],
    });
    expect(() => prometheusMetrics({ registry })).toThrow(
      /already has a metric "switchyard_jobs_failed_total" \(counter, labels queue\); Switchyard needs a counter with labels queue,task,error/,
    );
  });

  it('a label value that is not a string is a typed error, nothing recorded', async () => {
    const registry = new Registry();
    const metrics = prometheusMetrics({ registry });
    expect(() => metrics.increment('jobs_completed_total', { queue: 'q', task: 42 as never })).toThrow(
      new InvalidOptionsError(
        'switchyard_jobs_completed_total: labels queue and task must be strings, got queue="q" task=number 42',
      ),
    );
    expect(() =>
      metrics.increment('jobs_failed_total', { queue: 'q', task: 't', error: { name: 'x' } as never }),
    ).toThrow(/label error must be a string/);
    expect(() => metrics.observe('job_duration_seconds', Number.NaN, { queue: 'q', task: 't' })).toThrow(
      /seconds must be a finite number ≥ 0/,
    );
    expect(() => metrics.setWorkerGauge('worker_active_jobs', 1, { worker: undefined as never })).toThrow(
      /label worker must be a string/,
    );
    expect(() => metrics.increment('jobs_exploded_total' as never, { queue: 'q', task: 't' })).toThrow(
      /unknown Switchyard counter "jobs_exploded_total"/,
    );
    expect(await samples(registry, 'switchyard_jobs_completed_total')).toEqual({});
  });

  it('a label value Prometheus text must escape (quote, backslash, newline) comes out escaped', async () => {
    const registry = new Registry();
    const metrics = prometheusMetrics({ registry });
    metrics.increment('jobs_completed_total', { queue: 'q', task: 'say "hi"\\now\nplease' });
    const text = await registry.getSingleMetricAsString('switchyard_jobs_completed_total');
    expect(text).toContain(
      'switchyard_jobs_completed_total{queue="q",task="say \\"hi\\"\\\\now\\nplease"} 1',
    );
  });

  it('through a yard, a recorder error never breaks a job and is logged once', async () => {
    const registry = new Registry();
    const metrics = prometheusMetrics({ registry });
    const logged: string[] = [];
    const logger = {
      debug() {},
      info() {},
      warn() {},
      error: (obj: object, msg?: string) => {
        if ('telemetry' in obj) logged.push(`${msg} ${(obj as unknown as { err: Error }).err.message}`);
      },
    };
    // A registry whose counters were removed under the recorder: every increment throws.
    const yard = createSwitchyard({
      adapter: memoryAdapter(),
      tasks: [okTask],
      telemetry: { metrics },
      logger,
    });
    await yard.start();
    (registry.getSingleMetric('switchyard_jobs_completed_total') as Counter).inc = () => {
      throw new Error('counter is broken');
    };
    const worker = yard.createWorker({ queues: ['billing'] }).handle(okTask, ({ n }) => n * 10);
    await worker.start();
    const jobs = await yard.enqueueMany(okTask, [{ n: 1 }, { n: 2 }]);
    for (const { id } of jobs) {
      expect(await yard.jobs.waitFor(id, { timeout: '5s', pollInterval: 5 })).toMatchObject({
        state: 'completed',
      });
    }
    expect(logged).toEqual([
      'switchyard: metrics.increment threw; telemetry may be incomplete, jobs go on (logged once) counter is broken',
    ]);
    await yard.close();
  });
});
