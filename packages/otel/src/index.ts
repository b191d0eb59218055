export { ATTR, MESSAGING_SYSTEM, SCOPE_NAME } from './attributes.js';
export { OTEL_INSTRUMENTS, type OtelMetricsOptions, otelMetrics } from './metrics.js';
export { formatTraceparent, parseTraceparent, w3cTraceContext } from './trace-context.js';
export { type OtelTracerOptions, otelTracer } from './tracer.js';
