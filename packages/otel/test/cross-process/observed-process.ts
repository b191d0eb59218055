/**
 * A child process of the cross-process tests, run with Node on the built packages:
 * `node observed-process.ts <worker|gauges> <adapterModuleUrl> <prefix> [parent|link]`.
 *
 * - `worker`: a yard and worker traced with `otelTracer` and measured with
 *   `prometheusMetrics`; answers `{ type: 'spans' }` with every finished span.
 * - `gauges`: a yard without a worker that only serves `registerQueueGauges`.
 *
 * Both serve `/metrics` on a loopback port and announce `{ type: 'ready', metricsUrl }`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, SpanKind } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { createSwitchyard, type JobTracer, type MetricsRecorder } from '@switchyard/core';
import { otelTracer } from '@switchyard/otel';
import { metricsHandler, prometheusMetrics, registerQueueGauges } from '@switchyard/prometheus';
import { Registry } from 'prom-client';

const [role, moduleUrl, prefix, consumerContext = 'parent'] = process.argv.slice(2);
if ((role !== 'worker' && role !== 'gauges') || !moduleUrl || !prefix || !process.send) {
  process.stderr.write(
    'usage (forked with IPC): observed-process.ts <worker|gauges> <adapterModuleUrl> <prefix> [parent|link]\n',
  );
  process.exit(2);
}
const send = (message: object) => process.send!(message);

const tasks = (await import(new URL('./tasks.ts', import.meta.url).href)) as typeof import('./tasks.js');
const adapterModule = (await import(moduleUrl)).default as {
  createAdapter(context: { prefix: string }): never;
};

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const exporter = new InMemorySpanExporter();
const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const registry = new Registry();

let telemetry: { tracer?: JobTracer; metrics?: MetricsRecorder } = {};
if (role === 'worker') {
  telemetry = {
    tracer: otelTracer({ tracerProvider, consumerContext: consumerContext as 'parent' | 'link' }),
    metrics: prometheusMetrics({ registry }),
  };
}
const yard = createSwitchyard({
  adapter: adapterModule.createAdapter({ prefix }),
  tasks: tasks.ALL_TASKS,
  telemetry,
});
yard.on('worker:error', ({ error }) =>
  process.stderr.write(`worker:error ${error.stack ?? error.message}\n`),
);
await yard.start();

if (role === 'worker') {
  const worker = yard.createWorker({
    queues: ['obs-work'],
    concurrency: 4,
    scheduler: false,
    leaseDuration: '10s',
  });
  worker.handle(tasks.echoTask, ({ n }) => n * 10);
  worker.handle(tasks.flakyTask, (_payload, ctx) => {
    if (ctx.attempt < 3) throw new Error(`attempt ${ctx.attempt} of ${ctx.job.id} failed on purpose`);
    return 'third time lucky';
  });
  await worker.start();
} else {
  registerQueueGauges(registry, yard, { cacheFor: 0, timeout: '5s' });
}

const server = createServer(metricsHandler(registry));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;

process.on('message', async (message: { type: string }) => {
  if (message.type === 'spans') {
    await tracerProvider.forceFlush();
    send({ type: 'spans', spans: exporter.getFinishedSpans().map(plain) });
  } else if (message.type === 'stop') {
    server.close();
    await yard.close();
    process.exit(0);
  }
});
send({ type: 'ready', metricsUrl: `http://127.0.0.1:${port}/metrics` });

/** What crosses the IPC channel: the same shape as the test's `PlainSpan`. */
function plain(span: ReadableSpan) {
  const { traceId, spanId } = span.spanContext();
  return {
    name: span.name,
    kind: SpanKind[span.kind],
    traceId,
    spanId,
    ...(span.parentSpanContext ? { parentSpanId: span.parentSpanContext.spanId } : {}),
    links: span.links.map((link) => ({
      traceId: link.context.traceId,
      spanId: link.context.spanId,
      attributes: { ...link.attributes },
    })),
    attributes: { ...span.attributes },
    status: { code: span.status.code, ...(span.status.message ? { message: span.status.message } : {}) },
    events: span.events.map((event) => event.name),
  };
}
