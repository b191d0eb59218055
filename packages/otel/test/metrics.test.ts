import { memoryAdapter } from '@switchyard/adapter-memory';
import { createSwitchyard, defineTask, InvalidOptionsError, JobTimeoutError } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { OTEL_INSTRUMENTS, otelMetrics } from '../src/index.js';
import { memoryMetrics, type PlainPoint } from './otel-sdk.js';

const payload = z.object({ n: z.number() });
const mailTask = defineTask({ name: 'send-mail', queue: 'email', schema: payload });
const slowTask = defineTask({
  name: 'slow',
  schema: payload,
  retry: { attempts: 2, backoff: { type: 'fixed', delay: 1 } },
});

const point = (points: PlainPoint[], metric: string, attributes: Record<string, unknown>) =>
  points.find(
    (p) =>
      p.metric === metric &&
      Object.keys(p.attributes).length === Object.keys(attributes).length &&
      Object.entries(attributes).every(([key, value]) => p.attributes[key] === value),
  );

describe('otelMetrics', () => {
  it('records the same instruments as the Prometheus recorder, OpenTelemetry-named', async () => {
    const sdk = memoryMetrics();
    const yard = createSwitchyard({
      adapter: memoryAdapter(),
      tasks: [mailTask, slowTask],
      telemetry: { metrics: otelMetrics({ meterProvider: sdk.provider }) },
    });
    await yard.start();
    const worker = yard.createWorker({ queues: ['email', 'default'], concurrency: 3 });
    worker
      .handle(mailTask, ({ n }) => n)
      .handle(slowTask, () => {
        throw new JobTimeoutError(10);
      });
    await worker.start();
    const jobs = [
      ...(await yard.enqueueMany(mailTask, [{ n: 1 }, { n: 2 }])),
      await yard.enqueue(slowTask, { n: 3 }),
    ];
    for (const { id } of jobs) await yard.jobs.waitFor(id, { timeout: '5s', pollInterval: 5 });

    const points = await sdk.points();
    const mail = { 'messaging.destination.name': 'email', 'switchyard.task': 'send-mail' };
    const slow = { 'messaging.destination.name': 'default', 'switchyard.task': 'slow' };
    expect(point(points, 'switchyard.jobs.enqueued', mail)?.value).toBe(2);
    expect(point(points, 'switchyard.jobs.completed', mail)?.value).toBe(2);
    expect(point(points, 'switchyard.jobs.retried', slow)?.value).toBe(1);
    expect(point(points, 'switchyard.jobs.failed', { ...slow, 'error.type': 'JobTimeoutError' })?.value).toBe(
      1,
    );
    expect(point(points, 'switchyard.job.duration', mail)).toMatchObject({ unit: 's', value: { count: 2 } });
    expect(point(points, 'switchyard.job.wait', slow)).toMatchObject({ unit: 's', value: { count: 2 } });
    const concurrency = points.filter((p) => p.metric === 'switchyard.worker.concurrency');
    expect(concurrency).toMatchObject([
      { value: 3, attributes: { 'switchyard.worker': expect.stringMatching(/^worker-/) } },
    ]);
    await yard.close();
  });

  it('a stopped worker is no longer observed', async () => {
    // A meter that hands the gauge callbacks to the test (the SDK may keep reporting a stale point).
    const callbacks = new Map<string, (result: { observe(v: number, a: object): void }) => void>();
    const instrument = { add() {}, record() {} };
    const meter = {
      createCounter: () => instrument,
      createHistogram: () => instrument,
      createObservableGauge: (name: string) => ({ addCallback: (cb: never) => callbacks.set(name, cb) }),
    };
    const metrics = otelMetrics({ meterProvider: { getMeter: () => meter } as never });
    const observed = (name: string) => {
      const seen: unknown[] = [];
      callbacks.get(name)!({ observe: (value, attributes) => seen.push([value, attributes]) });
      return seen;
    };
    metrics.setWorkerGauge('worker_concurrency', 4, { worker: 'worker-a' });
    metrics.setWorkerGauge('worker_active_jobs', 2, { worker: 'worker-a' });
    expect(observed('switchyard.worker.concurrency')).toEqual([[4, { 'switchyard.worker': 'worker-a' }]]);
    metrics.forgetWorker!({ worker: 'worker-a' });
    expect(observed('switchyard.worker.concurrency')).toEqual([]);
    expect(observed('switchyard.worker.active_jobs')).toEqual([]);
  });

  it('names every instrument after its Prometheus counterpart', () => {
    expect(Object.values(OTEL_INSTRUMENTS).map((i) => i.name)).toEqual([
      'switchyard.jobs.enqueued',
      'switchyard.jobs.completed',
      'switchyard.jobs.retried',
      'switchyard.jobs.failed',
      'switchyard.jobs.cancelled',
      'switchyard.jobs.stalled',
      'switchyard.jobs.spool_conflicts',
      'switchyard.job.duration',
      'switchyard.job.wait',
      'switchyard.worker.active_jobs',
      'switchyard.worker.concurrency',
    ]);
  });

  it('bad input is a typed error', () => {
    const sdk = memoryMetrics();
    const metrics = otelMetrics({ meterProvider: sdk.provider });
    expect(() => metrics.increment('jobs_completed_total', { queue: 'q', task: 7 as never })).toThrow(
      /queue and task must be strings, got queue=string task=number/,
    );
    expect(() => metrics.setWorkerGauge('worker_active_jobs', 1, {} as never)).toThrow(InvalidOptionsError);
    expect(() => otelMetrics({ buckets: [2, 1] })).toThrow(/strictly increasing/);
  });
});
