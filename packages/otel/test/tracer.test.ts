import { type Attributes, trace } from '@opentelemetry/api';
import { type Sampler, SamplingDecision, TracerProvider } from '@opentelemetry/sdk-trace';
import { memoryAdapter } from '@switchyard/adapter-memory';
import {
  createSwitchyard,
  defineTask,
  InvalidOptionsError,
  type Logger,
  NonRetryableError,
  type Switchyard,
} from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { otelTracer } from '../src/index.js';
import { memoryTracing, type PlainSpan } from './otel-sdk.js';

const payload = z.object({ n: z.number() });
const mailTask = defineTask({ name: 'send-mail', queue: 'email', schema: payload });
const flakyTask = defineTask({
  name: 'flaky',
  schema: payload,
  retry: { attempts: 3, backoff: { type: 'fixed', delay: 1 } },
});
const doomedTask = defineTask({ name: 'doomed', schema: payload, retry: { attempts: 3 } });

const yards: Switchyard[] = [];
afterEach(async () => {
  await Promise.all(yards.splice(0).map((yard) => yard.close()));
});

function collectingLogger() {
  const telemetryErrors: string[] = [];
  const logger: Logger = {
    debug() {},
    info() {},
    warn() {},
    error: (obj, msg) => {
      if ('telemetry' in obj)
        telemetryErrors.push(`${msg} [${(obj as unknown as { err: Error }).err.message}]`);
    },
  };
  return { logger, telemetryErrors };
}

/** A yard + worker on the memory adapter, traced into memory; the worker also opens a user span. */
async function tracedYard(consumerContext: 'parent' | 'link' = 'parent') {
  const tracing = memoryTracing();
  const tracer = otelTracer({ tracerProvider: tracing.provider, consumerContext });
  const adapter = memoryAdapter();
  const yard = createSwitchyard({
    adapter,
    tasks: [mailTask, flakyTask, doomedTask],
    telemetry: { tracer },
  });
  yards.push(yard);
  await yard.start();
  const userTracer = tracing.provider.getTracer('shop');
  const worker = yard.createWorker({ queues: ['email', 'default'] });
  worker
    .handle(mailTask, async ({ n }) => {
      // A user's own span (an HTTP call, say): it must nest under the attempt's span.
      await userTracer.startActiveSpan('smtp call', async (span) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        span.end();
      });
      return n;
    })
    .handle(flakyTask, (_p, ctx) => {
      if (ctx.attempt < 3) throw new TypeError(`attempt ${ctx.attempt} broke`);
      return 'ok';
    })
    .handle(doomedTask, () => {
      throw new NonRetryableError('card declined');
    });
  await worker.start();
  return { yard, adapter, spans: tracing.spans, inRequest: tracing.inRequest };
}

const byName = (spans: PlainSpan[], name: string) => spans.filter((span) => span.name === name);

describe('otelTracer', () => {
  it('one job: PRODUCER send → CONSUMER process in the same trace, the handler span nested inside', async () => {
    const { yard, spans, inRequest } = await tracedYard();
    const { id } = await inRequest(() => yard.enqueue(mailTask, { n: 1 }));
    const job = await yard.jobs.waitFor(id, { timeout: '5s', pollInterval: 5 });
    const [request] = byName(await spans(), 'POST /orders');
    const [send] = byName(await spans(), 'send email');
    const [process] = byName(await spans(), 'process email');
    const [smtp] = byName(await spans(), 'smtp call');
    expect(send).toMatchObject({
      kind: 'PRODUCER',
      traceId: request!.traceId,
      parentSpanId: request!.spanId,
      attributes: {
        'messaging.system': 'switchyard',
        'messaging.operation.type': 'send',
        'messaging.operation.name': 'send',
        'messaging.destination.name': 'email',
        'messaging.message.id': id,
        'switchyard.adapter': 'memory',
        'switchyard.task': 'send-mail',
        'switchyard.priority': 5,
      },
      status: { code: 0 },
    });
    // The context travels in the job's stored metadata.
    expect(job.metadata.traceparent).toBe(`00-${send!.traceId}-${send!.spanId}-01`);
    expect(process).toMatchObject({
      kind: 'CONSUMER',
      traceId: send!.traceId,
      parentSpanId: send!.spanId,
      links: [],
      attributes: {
        'messaging.system': 'switchyard',
        'messaging.operation.type': 'process',
        'messaging.destination.name': 'email',
        'messaging.message.id': id,
        'messaging.client.id': expect.stringMatching(/^worker-/),
        'switchyard.task': 'send-mail',
        'switchyard.attempt': 1,
        'switchyard.outcome': 'completed',
      },
    });
    expect(smtp).toMatchObject({ traceId: send!.traceId, parentSpanId: process!.spanId });
  });

  it('a job retried twice: three process spans, attempts 1..3, failures recorded as exceptions', async () => {
    const { yard, spans } = await tracedYard();
    const { id } = await yard.enqueue(flakyTask, { n: 1 });
    await yard.jobs.waitFor(id, { timeout: '5s', pollInterval: 5 });
    const [send] = byName(await spans(), 'send default');
    const attempts = byName(await spans(), 'process default');
    expect(
      attempts.map((span) => [span.attributes['switchyard.attempt'], span.attributes['switchyard.outcome']]),
    ).toEqual([
      [1, 'retrying'],
      [2, 'retrying'],
      [3, 'completed'],
    ]);
    for (const span of attempts)
      expect(span).toMatchObject({ traceId: send!.traceId, parentSpanId: send!.spanId });
    expect(attempts[0]).toMatchObject({
      status: { code: 2, message: 'attempt 1 broke' },
      events: ['exception'],
      attributes: { 'error.type': 'TypeError' },
    });
    expect(attempts[2]).toMatchObject({ status: { code: 0 }, events: [] });
    expect(attempts[2]!.attributes['error.type']).toBeUndefined();
  });

  it('a permanent failure ends the span failed with error.type', async () => {
    const { yard, spans } = await tracedYard();
    const { id } = await yard.enqueue(doomedTask, { n: 1 });
    await yard.jobs.waitFor(id, { timeout: '5s', pollInterval: 5 });
    expect(byName(await spans(), 'process default')).toMatchObject([
      {
        status: { code: 2, message: 'card declined' },
        attributes: { 'switchyard.outcome': 'failed', 'error.type': 'NonRetryableError' },
      },
    ]);
  });

  it('a bulk enqueue: one PRODUCER create span per job, one send span linking them', async () => {
    const { yard, spans, inRequest } = await tracedYard();
    const jobs = await inRequest(() => yard.enqueueMany(mailTask, [{ n: 1 }, { n: 2 }, { n: 3 }]));
    for (const { id } of jobs) await yard.jobs.waitFor(id, { timeout: '5s', pollInterval: 5 });
    const [request] = byName(await spans(), 'POST /orders');
    const creates = byName(await spans(), 'create email');
    const [batch] = byName(await spans(), 'send email');
    expect(creates.map((span) => span.attributes['messaging.message.id'])).toEqual(jobs.map((job) => job.id));
    for (const create of creates) {
      expect(create).toMatchObject({ kind: 'PRODUCER', parentSpanId: request!.spanId });
      expect(create.attributes['messaging.operation.type']).toBe('create');
    }
    expect(batch).toMatchObject({
      kind: 'CLIENT',
      parentSpanId: request!.spanId,
      attributes: {
        'messaging.operation.type': 'send',
        'messaging.batch.message_count': 3,
        'messaging.destination.name': 'email',
      },
      links: creates.map((create) => ({
        traceId: create.traceId,
        spanId: create.spanId,
        attributes: { 'messaging.message.id': create.attributes['messaging.message.id'] },
      })),
    });
    // Each job's process span is the child of its own create span.
    const processes = byName(await spans(), 'process email');
    expect(new Set(processes.map((span) => span.parentSpanId))).toEqual(
      new Set(creates.map((c) => c.spanId)),
    );
  });

  it("link mode: each attempt starts its own trace, linked to the producer's span", async () => {
    const { yard, spans } = await tracedYard('link');
    const { id } = await yard.enqueue(mailTask, { n: 1 });
    await yard.jobs.waitFor(id, { timeout: '5s', pollInterval: 5 });
    const [send] = byName(await spans(), 'send email');
    const [process] = byName(await spans(), 'process email');
    expect(process!.traceId).not.toBe(send!.traceId);
    expect(process!.parentSpanId).toBeUndefined();
    expect(process!.links).toEqual([{ traceId: send!.traceId, spanId: send!.spanId, attributes: {} }]);
    expect(byName(await spans(), 'smtp call')).toMatchObject([
      { traceId: process!.traceId, parentSpanId: process!.spanId },
    ]);
  });

  it('a duplicate unique key ends the send span with the error', async () => {
    const { yard, spans } = await tracedYard();
    await yard.queues.pause('email');
    await yard.enqueue(mailTask, { n: 1 }, { uniqueKey: 'order-7' });
    await expect(yard.enqueue(mailTask, { n: 2 }, { uniqueKey: 'order-7' })).rejects.toThrow(/unique key/);
    expect(byName(await spans(), 'send email').map((span) => span.attributes['error.type'])).toEqual([
      undefined,
      'DuplicateJobError',
    ]);
  });

  it("a creation context the caller stored is kept, and linked from the producer's span", async () => {
    const { yard, spans } = await tracedYard();
    const upstream = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`;
    const { id } = await yard.enqueue(mailTask, { n: 1 }, { metadata: { traceparent: upstream } });
    const job = await yard.jobs.waitFor(id, { timeout: '5s', pollInterval: 5 });
    expect(job.metadata.traceparent).toBe(upstream);
    expect(byName(await spans(), 'send email')[0]!.links).toEqual([
      { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), attributes: {} },
    ]);
    expect(byName(await spans(), 'process email')[0]).toMatchObject({
      traceId: 'a'.repeat(32),
      parentSpanId: 'b'.repeat(16),
    });
  });

  it('garbage in the stored trace context: the attempt runs in a trace of its own', async () => {
    const { yard, adapter, spans } = await tracedYard();
    // A producer without tracing (another service) stored a broken traceparent.
    const untraced = createSwitchyard({ adapter, tasks: [mailTask] });
    yards.push(untraced);
    await untraced.start();
    const { id } = await untraced.enqueue(mailTask, { n: 1 }, { metadata: { traceparent: 'corrupted' } });
    expect(await yard.jobs.waitFor(id, { timeout: '5s', pollInterval: 5 })).toMatchObject({
      state: 'completed',
      metadata: { traceparent: 'corrupted' },
    });
    const [process] = byName(await spans(), 'process email');
    expect(process!.parentSpanId).toBeUndefined();
    expect(process!.links).toEqual([]);
  });

  it('a sampler sees the messaging attributes and the task; a dropped span gets no others', async () => {
    const seen: Attributes[] = [];
    // Records nothing, so every span is a non-recording one: only what it was started with exists.
    const sampler: Sampler = {
      shouldSample: (_context, _traceId, _name, _kind, attributes) => {
        seen.push({ ...attributes });
        return { decision: SamplingDecision.NOT_RECORD };
      },
      toString: () => 'records nothing',
    };
    const tracerProvider = new TracerProvider({ sampler });
    const yard = createSwitchyard({
      adapter: memoryAdapter(),
      tasks: [mailTask],
      telemetry: { tracer: otelTracer({ tracerProvider }) },
    });
    yards.push(yard);
    await yard.start();
    await yard
      .createWorker({ queues: ['email'] })
      .handle(mailTask, () => {})
      .start();
    const job = await yard.enqueue(mailTask, { n: 1 });
    await yard.jobs.waitFor(job.id, { timeout: '5s', pollInterval: 5 });
    const sampling = (operation: string) => ({
      'messaging.system': 'switchyard',
      'messaging.operation.type': operation,
      'messaging.operation.name': operation,
      'messaging.destination.name': 'email',
      'switchyard.task': 'send-mail',
    });
    expect(seen).toEqual([sampling('send'), sampling('process')]);
    // The trace context still travels: unsampled, so a parent-based sampler downstream agrees.
    expect((await yard.jobs.get(job.id))!.metadata.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
  });

  it('refuses an unknown consumerContext', () => {
    expect(() => otelTracer({ consumerContext: 'child' as never })).toThrow(InvalidOptionsError);
  });

  it.each([
    [
      'getTracer',
      {
        getTracer: () => {
          throw new Error('provider is shut down');
        },
      },
    ],
    [
      'startSpan',
      {
        getTracer: () => ({
          startSpan: () => {
            throw new Error('provider is shut down');
          },
          startActiveSpan: () => {
            throw new Error('provider is shut down');
          },
        }),
      },
    ],
  ])(
    'a tracer provider whose %s throws: every job still runs, the error is logged once per seam',
    async (_where, provider) => {
      const { logger, telemetryErrors } = collectingLogger();
      const yard = createSwitchyard({
        adapter: memoryAdapter(),
        tasks: [mailTask],
        telemetry: { tracer: otelTracer({ tracerProvider: provider as never }) },
        logger,
      });
      yards.push(yard);
      await yard.start();
      let ran = 0;
      await yard
        .createWorker({ queues: ['email'] })
        .handle(mailTask, () => ++ran)
        .start();
      const ids = [
        ...(await yard.enqueueMany(mailTask, [{ n: 1 }, { n: 2 }])),
        await yard.enqueue(mailTask, { n: 3 }),
      ].map((job) => job.id);
      for (const id of ids) {
        expect(await yard.jobs.waitFor(id, { timeout: '5s', pollInterval: 5 })).toMatchObject({
          state: 'completed',
        });
      }
      expect(ran).toBe(3);
      expect(telemetryErrors).toEqual([
        'switchyard: tracer.startEnqueueBatch threw; telemetry may be incomplete, jobs go on (logged once) [provider is shut down]',
        'switchyard: tracer.startEnqueue threw; telemetry may be incomplete, jobs go on (logged once) [provider is shut down]',
        'switchyard: tracer.startAttempt threw; telemetry may be incomplete, jobs go on (logged once) [provider is shut down]',
      ]);
      expect(trace.getActiveSpan()).toBeUndefined();
    },
  );
});
