/**
 * Across processes, on every durable adapter and its real service: the test is the
 * producer; a forked worker process runs the jobs (traced and measured); a third
 * process serves the queue gauges. Spans cross through the job's stored metadata.
 */
import { randomBytes } from 'node:crypto';
import type { ConformanceAdapterModule } from '@switchyard/conformance';
import { createSwitchyard, JOB_STATES, type Switchyard } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { otelTracer } from '../src/index.js';
import {
  type ObservedProcess,
  parseSamples,
  sampleValue,
  startObservedProcess,
} from './cross-process/child.js';
import { ALL_TASKS, echoTask, flakyTask, idleTask, pausedTask } from './cross-process/tasks.js';
import { memoryTracing, type PlainSpan } from './otel-sdk.js';

const ADAPTERS = ['bullmq', 'pgboss', 'sqs'] as const;

const moduleUrlOf = (adapter: (typeof ADAPTERS)[number]) =>
  new URL(`../../adapter-${adapter}/test/conformance-adapter.ts`, import.meta.url).href;

const children: ObservedProcess[] = [];
const yards: Switchyard[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) child.kill();
  await Promise.all(yards.splice(0).map((yard) => yard.close()));
});

const waitOptions = { timeout: '30s', pollInterval: 20 } as const;

/** The producer: a yard in this process, traced into memory, enqueuing inside an app span. */
async function producer(adapterModule: ConformanceAdapterModule, prefix: string) {
  const tracing = memoryTracing();
  const yard = createSwitchyard({
    adapter: adapterModule.createAdapter({ prefix }),
    tasks: ALL_TASKS,
    telemetry: { tracer: otelTracer({ tracerProvider: tracing.provider }) },
  });
  yards.push(yard);
  await yard.start();
  const inRequest = <T>(fn: () => Promise<T>) => tracing.inRequest(fn, 'POST /checkout');
  return { yard, spans: tracing.spans, inRequest };
}

const processSpansOf = (spans: PlainSpan[], jobId: string) =>
  spans.filter(
    (span) => span.name === 'process obs-work' && span.attributes['messaging.message.id'] === jobId,
  );

const producerSpanOf = (spans: PlainSpan[], jobId: string) =>
  spans.find(
    (span) => span.kind === 'PRODUCER' && span.attributes['messaging.message.id'] === jobId,
  ) as PlainSpan;

describe.each(ADAPTERS)('across processes on %s', (adapterName) => {
  it('parent mode: worker spans join the producer trace; worker metrics and queue gauges agree', async () => {
    const moduleUrl = moduleUrlOf(adapterName);
    const adapterModule = (await import(moduleUrl)).default as ConformanceAdapterModule;
    const prefix = `sy${randomBytes(5).toString('hex')}`;
    const { yard, spans, inRequest } = await producer(adapterModule, prefix);
    const worker = await startObservedProcess('worker', moduleUrl, prefix, 'parent');
    children.push(worker);

    const { ok, flaky, bulk } = await inRequest(async () => ({
      ok: await yard.enqueue(echoTask, { n: 1 }),
      flaky: await yard.enqueue(flakyTask, { n: 2 }),
      bulk: await yard.enqueueMany(echoTask, [{ n: 3 }, { n: 4 }]),
    }));
    // Jobs the worker never takes, for the gauges: pending, scheduled, and on a paused queue.
    await yard.enqueueMany(idleTask, [{ n: 5 }, { n: 6 }]);
    await yard.enqueue(idleTask, { n: 7 }, { delay: '1h' });
    await yard.queues.pause(pausedTask.queue);
    await yard.enqueue(pausedTask, { n: 8 });
    const ran = [ok, flaky, ...bulk];
    for (const { id } of ran) {
      expect(await yard.jobs.waitFor(id, waitOptions)).toMatchObject({ state: 'completed' });
    }

    const produced = await spans();
    const consumed = await worker.spans();
    const [request] = produced.filter((span) => span.name === 'POST /checkout');
    for (const { id } of ran) {
      const sent = producerSpanOf(produced, id);
      expect(sent).toMatchObject({ traceId: request!.traceId, parentSpanId: request!.spanId });
      const attempts = processSpansOf(consumed, id);
      expect(attempts).toHaveLength(id === flaky.id ? 3 : 1);
      for (const attempt of attempts) {
        expect(attempt).toMatchObject({
          kind: 'CONSUMER',
          traceId: request!.traceId,
          parentSpanId: sent.spanId,
          attributes: { 'switchyard.adapter': adapterName, 'messaging.system': 'switchyard' },
        });
      }
    }
    // Retried twice: three process spans, attempts 1..3, in the producer's trace.
    const flakyAttempts = processSpansOf(consumed, flaky.id).sort(
      (a, b) => Number(a.attributes['switchyard.attempt']) - Number(b.attributes['switchyard.attempt']),
    );
    expect(
      flakyAttempts.map((span) => [
        span.attributes['switchyard.attempt'],
        span.attributes['switchyard.outcome'],
      ]),
    ).toEqual([
      [1, 'retrying'],
      [2, 'retrying'],
      [3, 'completed'],
    ]);
    expect(flakyAttempts[0]).toMatchObject({ status: { code: 2 }, events: ['exception'] });

    // The worker process counts what it ran (it enqueued nothing itself).
    const workerSamples = parseSamples(await worker.metrics());
    const echo = { queue: 'obs-work', task: 'obs.echo' };
    const flakyLabels = { queue: 'obs-work', task: 'obs.flaky' };
    expect(sampleValue(workerSamples, 'switchyard_jobs_completed_total', echo)).toBe(3);
    expect(sampleValue(workerSamples, 'switchyard_jobs_completed_total', flakyLabels)).toBe(1);
    expect(sampleValue(workerSamples, 'switchyard_jobs_retried_total', flakyLabels)).toBe(2);
    expect(sampleValue(workerSamples, 'switchyard_job_duration_seconds_count', echo)).toBe(3);
    expect(sampleValue(workerSamples, 'switchyard_job_wait_seconds_count', flakyLabels)).toBe(3);
    expect(workerSamples.filter((s) => s.name === 'switchyard_jobs_enqueued_total')).toEqual([]);
    expect(
      workerSamples.filter((s) => s.name === 'switchyard_worker_concurrency').map((s) => s.value),
    ).toEqual([4]);

    // A third process reads the queue gauges from the backend; they match the producer's counts.
    const gauges = await startObservedProcess('gauges', moduleUrl, prefix);
    children.push(gauges);
    const gaugeSamples = parseSamples(await gauges.metrics());
    const queues = await yard.queues.list();
    expect([...queues].sort()).toEqual(['obs-idle', 'obs-paused', 'obs-work']);
    for (const queue of queues) {
      const counts = await yard.jobs.counts({ queue });
      for (const state of JOB_STATES) {
        expect({
          queue,
          state,
          value: sampleValue(gaugeSamples, 'switchyard_queue_jobs', { queue, state }),
        }).toEqual({
          queue,
          state,
          value: counts[state],
        });
      }
      expect(sampleValue(gaugeSamples, 'switchyard_queue_paused', { queue })).toBe(
        queue === 'obs-paused' ? 1 : 0,
      );
    }
    expect(sampleValue(gaugeSamples, 'switchyard_queue_jobs', { queue: 'obs-idle', state: 'pending' })).toBe(
      2,
    );
    expect(
      sampleValue(gaugeSamples, 'switchyard_queue_jobs', { queue: 'obs-idle', state: 'scheduled' }),
    ).toBe(1);
    expect(
      sampleValue(gaugeSamples, 'switchyard_queue_jobs', { queue: 'obs-work', state: 'completed' }),
    ).toBe(4);
    expect(sampleValue(gaugeSamples, 'switchyard_scrape_errors_total', {})).toBe(0);

    await worker.stop();
    await gauges.stop();
    await adapterModule.cleanup?.({ prefix });
  });

  it('link mode: each attempt is a trace of its own, linked to the producer span', async () => {
    const moduleUrl = moduleUrlOf(adapterName);
    const adapterModule = (await import(moduleUrl)).default as ConformanceAdapterModule;
    const prefix = `sy${randomBytes(5).toString('hex')}`;
    const { yard, spans } = await producer(adapterModule, prefix);
    const worker = await startObservedProcess('worker', moduleUrl, prefix, 'link');
    children.push(worker);
    const { id } = await yard.enqueue(flakyTask, { n: 1 });
    expect(await yard.jobs.waitFor(id, waitOptions)).toMatchObject({ state: 'completed', attempt: 3 });
    const sent = producerSpanOf(await spans(), id);
    const attempts = processSpansOf(await worker.spans(), id);
    expect(attempts.map((span) => span.attributes['switchyard.attempt']).sort()).toEqual([1, 2, 3]);
    for (const attempt of attempts) {
      expect(attempt.traceId).not.toBe(sent.traceId);
      expect(attempt.parentSpanId).toBeUndefined();
      expect(attempt.links).toEqual([{ traceId: sent.traceId, spanId: sent.spanId, attributes: {} }]);
    }
    expect(new Set(attempts.map((span) => span.traceId)).size).toBe(3);
    await worker.stop();
    await adapterModule.cleanup?.({ prefix });
  });
});
