/**
 * The OpenTelemetry SDK as the tests use it: an in-memory span exporter behind a real
 * tracer provider, the AsyncLocalStorage context manager, and a pull metric reader.
 */
import { context, SpanKind } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

// Handler code must see the attempt span as active across awaits: that needs a real context manager.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

/** A tracer provider whose finished spans can be read back. */
export function memoryTracing() {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  return {
    provider,
    /** Every finished span, once the processor has exported them (export is asynchronous). */
    async spans(): Promise<PlainSpan[]> {
      await provider.forceFlush();
      return exporter.getFinishedSpans().map(plainSpan);
    },
    /** Runs `fn` inside an app's server span (`POST /orders` unless named), as a web request would. */
    inRequest<T>(fn: () => Promise<T>, name = 'POST /orders'): Promise<T> {
      return provider.getTracer('shop').startActiveSpan(name, async (span) => {
        try {
          return await fn();
        } finally {
          span.end();
        }
      });
    },
  };
}

/** A span reduced to what the assertions compare. */
export interface PlainSpan {
  name: string;
  kind: 'INTERNAL' | 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER';
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  links: { traceId: string; spanId: string; attributes: Record<string, unknown> }[];
  attributes: Record<string, unknown>;
  status: { code: number; message?: string };
  events: string[];
}

export function plainSpan(span: ReadableSpan): PlainSpan {
  const { traceId, spanId } = span.spanContext();
  return {
    name: span.name,
    kind: SpanKind[span.kind] as PlainSpan['kind'],
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

/** A metric reader the test pulls from. */
class PullReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

/** One data point, flattened. */
export interface PlainPoint {
  metric: string;
  unit: string;
  attributes: Record<string, unknown>;
  value: number | { count: number; sum?: number };
}

/** A meter provider whose instruments can be read back on demand. */
export function memoryMetrics() {
  const reader = new PullReader();
  const provider = new MeterProvider({ readers: [reader] });
  return {
    provider,
    async points(): Promise<PlainPoint[]> {
      const { resourceMetrics, errors } = await reader.collect();
      if (errors.length > 0) throw errors[0];
      return flatten(resourceMetrics);
    },
  };
}

function flatten(resourceMetrics: ResourceMetrics): PlainPoint[] {
  return resourceMetrics.scopeMetrics.flatMap((scope) =>
    scope.metrics.flatMap((metric) =>
      metric.dataPoints.map((point) => ({
        metric: metric.descriptor.name,
        unit: metric.descriptor.unit,
        attributes: { ...point.attributes },
        value:
          typeof point.value === 'number'
            ? point.value
            : { count: (point.value as { count: number }).count, sum: (point.value as { sum?: number }).sum },
      })),
    ),
  );
}
