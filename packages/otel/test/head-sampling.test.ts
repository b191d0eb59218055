import { type SpanContext, trace } from '@opentelemetry/api';
import { memoryAdapter } from '@switchyard/adapter-memory';
import { createSwitchyard, defineTask, InvalidOptionsError, type Switchyard } from '@switchyard/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { otelTracer } from '../src/index.js';
import { memoryTracing } from './otel-sdk.js';

const mailTask = defineTask({ name: 'send-mail', queue: 'email', schema: z.object({ n: z.number() }) });
const flakyTask = defineTask({
  name: 'flaky',
  queue: 'email',
  schema: z.object({ n: z.number() }),
  retry: { attempts: 3, backoff: { type: 'fixed', delay: 1 } },
});

const UNSAMPLED_TRACEPARENT = /^00-([0-9a-f]{32})-[0-9a-f]{16}-00$/;

const yards: Switchyard[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(yards.splice(0).map((yard) => yard.close()));
});

/**
 * A traced yard on the memory adapter whose handlers record the span context they run in
 * and open a span of their own (an HTTP call, say), on the SDK's default parent-based sampler.
 */
async function sampledYard(options: { sampleRatio: number; consumerContext?: 'parent' | 'link' }) {
  const tracing = memoryTracing();
  const adapter = memoryAdapter();
  const yard = createSwitchyard({
    adapter,
    tasks: [mailTask, flakyTask],
    telemetry: { tracer: otelTracer({ tracerProvider: tracing.provider, ...options }) },
  });
  yards.push(yard);
  await yard.start();
  const seen: { jobId: string; attempt: number; context: SpanContext | undefined }[] = [];
  const userTracer = tracing.provider.getTracer('shop');
  const record = (jobId: string, attempt: number) => {
    seen.push({ jobId, attempt, context: trace.getActiveSpan()?.spanContext() });
    userTracer.startSpan('smtp call').end();
  };
  await yard
    .createWorker({ queues: ['email'] })
    .handle(mailTask, (_payload, ctx) => record(ctx.job.id, ctx.attempt))
    .handle(flakyTask, (_payload, ctx) => {
      record(ctx.job.id, ctx.attempt);
      if (ctx.attempt < 3) throw new Error(`attempt ${ctx.attempt} broke`);
    })
    .start();
  const names = async () => (await tracing.spans()).map((span) => span.name).sort();
  return { yard, adapter, seen, names, inRequest: tracing.inRequest };
}

describe('otelTracer sampleRatio', () => {
  it('0: a job enqueued outside a trace makes no span, and every attempt runs in its unsampled trace', async () => {
    const { yard, seen, names } = await sampledYard({ sampleRatio: 0 });
    const { id } = await yard.enqueue(flakyTask, { n: 1 });
    const job = await yard.jobs.waitFor(id, { timeout: '5s', pollInterval: 5 });
    expect(job.state).toBe('completed');
    const traceId = UNSAMPLED_TRACEPARENT.exec(job.metadata.traceparent ?? '')?.[1];
    expect(traceId).toBeDefined();
    // Three attempts, each in the job's trace, not sampled: the handler's own span is dropped too.
    expect(seen.map(({ attempt, context }) => [attempt, context?.traceId, context?.traceFlags])).toEqual([
      [1, traceId, 0],
      [2, traceId, 0],
      [3, traceId, 0],
    ]);
    expect(await names()).toEqual([]);
  });

  it('0: a bulk enqueue is one decision, its jobs share one unsampled trace', async () => {
    const { yard, seen, names } = await sampledYard({ sampleRatio: 0 });
    const outcomes = await yard.enqueueMany(mailTask, [{ n: 1 }, { n: 2 }, { n: 3 }]);
    const jobs = await Promise.all(
      outcomes.map(({ id }) => yard.jobs.waitFor(id, { timeout: '5s', pollInterval: 5 })),
    );
    const traceparents = new Set(jobs.map((job) => job.metadata.traceparent));
    expect(traceparents.size).toBe(1);
    const [traceparent] = traceparents;
    expect(traceparent).toMatch(UNSAMPLED_TRACEPARENT);
    expect(seen.map(({ context }) => context?.traceId)).toEqual(
      Array(3).fill(UNSAMPLED_TRACEPARENT.exec(traceparent!)?.[1]),
    );
    expect(await names()).toEqual([]);
  });

  it('0: jobs of a bulk enqueue with metadata of their own keep it beside the shared trace context', async () => {
    const { yard } = await sampledYard({ sampleRatio: 0 });
    const outcomes = await yard.enqueueMany(mailTask, [{ n: 1 }, { n: 2 }], { metadata: { tenant: 'acme' } });
    const jobs = await Promise.all(
      outcomes.map(({ id }) => yard.jobs.waitFor(id, { timeout: '5s', pollInterval: 5 })),
    );
    const [first, second] = jobs.map((job) => job.metadata);
    expect(first).toEqual({ tenant: 'acme', traceparent: expect.stringMatching(UNSAMPLED_TRACEPARENT) });
    expect(second).toEqual(first);
  });

  it("0: a job enqueued inside a sampled trace follows that trace's decision", async () => {
    const { yard, names, inRequest } = await sampledYard({ sampleRatio: 0 });
    const { id } = await inRequest(() => yard.enqueue(mailTask, { n: 1 }));
    await yard.jobs.waitFor(id, { timeout: '5s', pollInterval: 5 });
    expect(await names()).toEqual(['POST /orders', 'process email', 'send email', 'smtp call']);
  });

  it('0 in link mode: the attempt would start a trace, so it is drawn (and dropped)', async () => {
    const { yard, seen, names, inRequest } = await sampledYard({ sampleRatio: 0, consumerContext: 'link' });
    const { id } = await inRequest(() => yard.enqueue(mailTask, { n: 1 }));
    await yard.jobs.waitFor(id, { timeout: '5s', pollInterval: 5 });
    expect(await names()).toEqual(['POST /orders', 'send email']);
    expect(seen[0]?.context?.traceFlags).toBe(0);
  });

  it('0: a job stored without a trace context (an untraced producer) gets no process span', async () => {
    const { yard, adapter, seen, names } = await sampledYard({ sampleRatio: 0 });
    const untraced = createSwitchyard({ adapter, tasks: [mailTask] });
    yards.push(untraced);
    await untraced.start();
    const { id } = await untraced.enqueue(mailTask, { n: 1 });
    const job = await yard.jobs.waitFor(id, { timeout: '5s', pollInterval: 5 });
    expect(job.metadata.traceparent).toBeUndefined();
    expect(seen[0]?.context).toMatchObject({
      traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
      traceFlags: 0,
    });
    expect(await names()).toEqual([]);
  });

  it('a ratio between 0 and 1 keeps a trace when the draw falls below it', async () => {
    const { yard, names } = await sampledYard({ sampleRatio: 0.5 });
    const random = vi.spyOn(Math, 'random');
    random.mockReturnValueOnce(0.7);
    const dropped = await yard.enqueue(mailTask, { n: 1 });
    await yard.jobs.waitFor(dropped.id, { timeout: '5s', pollInterval: 5 });
    expect(await names()).toEqual([]);
    random.mockReturnValueOnce(0.3);
    const kept = await yard.enqueue(mailTask, { n: 2 });
    const job = await yard.jobs.waitFor(kept.id, { timeout: '5s', pollInterval: 5 });
    expect(job.metadata.traceparent).toMatch(/-01$/);
    expect(await names()).toEqual(['process email', 'send email', 'smtp call']);
  });

  it.each([[-0.1], [1.5], [Number.NaN], ['0.5']])('refuses sampleRatio %s', (ratio) => {
    expect(() => otelTracer({ sampleRatio: ratio as number })).toThrow(InvalidOptionsError);
  });
});
