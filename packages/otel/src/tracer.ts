/**
 * `otelTracer()`: Switchyard's `JobTracer` on the OpenTelemetry API, following the
 * messaging semantic conventions. Enqueue: a PRODUCER `send {queue}` span per job whose
 * context is stored in the job's metadata (W3C `traceparent`); a bulk enqueue gets a
 * PRODUCER `create {queue}` span per job and one `send {queue}` span linking them.
 * Each attempt: a CONSUMER `process {queue}` span, child of the producer's context
 * (`consumerContext: 'parent'`, the default) or a new trace linked to it (`'link'`).
 * With `sampleRatio` below 1, new traces are sampled here before the SDK sees them
 * (head-sampling.ts), so a dropped job makes no span objects at all.
 */
import {
  type Attributes,
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  isSpanContextValid,
  type Link,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  type TextMapPropagator,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import {
  type AttemptOutcome,
  type AttemptSpan,
  type EnqueueBatchSpan,
  type EnqueueSpan,
  InvalidOptionsError,
  type JobRecord,
  type JobTracer,
  type NewJob,
  type TelemetryScope,
} from '@switchyard/core';
import { ATTR, errorType, MESSAGING_SYSTEM, SCOPE_NAME } from './attributes.js';
import {
  checkSampleRatio,
  isSampled,
  keepsNewTrace,
  UnsampledAttempts,
  unsampledSpanContext,
} from './head-sampling.js';
import { metadataOf, spanContextFromMetadata, w3cTraceContext } from './trace-context.js';

/** Options of `otelTracer`. */
export interface OtelTracerOptions {
  /** Where spans go; default the global provider (`trace.getTracerProvider()`), looked up at first use. */
  tracerProvider?: TracerProvider;
  /**
   * How an attempt's `process` span relates to the producer: `'parent'` (default) makes it
   * a child in the producer's trace; `'link'` starts a new trace per attempt with a link to
   * the producer (the conventions' default, better for jobs that run hours after enqueue).
   */
  consumerContext?: 'parent' | 'link';
  /** How the context is written into and read from job metadata; default W3C `traceparent`/`tracestate`. */
  propagator?: TextMapPropagator;
  /**
   * The share of new traces kept (0 to 1, default 1), decided here before the SDK is called:
   * for a job enqueued outside any trace (one draw per bulk enqueue), and for an attempt that
   * would start a trace (`'link'` mode, or a job stored without a trace context). A dropped
   * job costs one `traceparent` with the sampled flag off, and its attempts get no span.
   * Below 1, an attempt follows its producer's sampled flag as a parent-based sampler would.
   * Default 1: every decision is the SDK sampler's, after it has built the span.
   */
  sampleRatio?: number;
}

/** Builds the tracer. Throws `InvalidOptionsError` on a bad option. */
export function otelTracer(options: OtelTracerOptions = {}): JobTracer {
  const consumerContext = options.consumerContext ?? 'parent';
  if (consumerContext !== 'parent' && consumerContext !== 'link') {
    throw new InvalidOptionsError(
      `consumerContext must be 'parent' or 'link', got ${JSON.stringify(options.consumerContext)}`,
    );
  }
  const sampleRatio = checkSampleRatio(options.sampleRatio);
  const headSampling = sampleRatio < 1;
  const unsampledAttempts = new UnsampledAttempts();
  const propagator = options.propagator ?? w3cTraceContext;
  // The default codec reads and writes the metadata directly (no Context objects per job).
  const direct = propagator === w3cTraceContext;
  let tracer: Tracer | undefined;
  // Looked up at first use (inside core's guard), so a provider registered after setup is used.
  const tracerOf = (): Tracer => {
    tracer ??= (options.tracerProvider ?? trace.getTracerProvider()).getTracer(SCOPE_NAME);
    return tracer;
  };
  const creationContextOf = (metadata: Record<string, string> | undefined): SpanContext | undefined => {
    if (!direct)
      return trace.getSpanContext(propagator.extract(ROOT_CONTEXT, metadata ?? {}, defaultTextMapGetter));
    if (metadata?.traceparent === undefined) return undefined;
    return spanContextFromMetadata(metadata);
  };
  const hasCreationContext = (metadata: Record<string, string> | undefined): boolean =>
    direct ? metadata?.traceparent !== undefined : creationContextOf(metadata) !== undefined;
  /** True when these jobs would start a new trace here (no active trace, none of their own) and the draw drops it. */
  const dropsNewTrace = (jobs: readonly NewJob[]): boolean => {
    if (!headSampling) return false;
    const active = trace.getSpanContext(context.active());
    if (active !== undefined && isSpanContextValid(active)) return false;
    if (jobs.some((job) => hasCreationContext(job.metadata))) return false;
    return !keepsNewTrace(sampleRatio);
  };
  /** Trace context metadata for a dropped trace: written once, shared by the jobs of a batch. */
  const unsampledEnqueue = (): EnqueueSpan => {
    const spanContext = unsampledSpanContext();
    const metadata = direct ? metadataOf(spanContext) : {};
    if (!direct)
      propagator.inject(trace.setSpanContext(ROOT_CONTEXT, spanContext), metadata, defaultTextMapSetter);
    return { metadata, end() {} };
  };
  /** The attempt without a span when head sampling drops it, else undefined (the SDK decides). */
  const unsampledAttempt = (job: JobRecord, creation: SpanContext | undefined): AttemptSpan | undefined => {
    const traceparent = direct ? job.metadata?.traceparent : undefined;
    // Parent mode follows the producer's decision, as a parent-based sampler would.
    if (consumerContext === 'parent' && creation !== undefined) {
      return isSampled(creation) ? undefined : unsampledAttempts.of(traceparent, creation);
    }
    // Anything else starts a trace: drawn.
    if (keepsNewTrace(sampleRatio)) return undefined;
    if (creation !== undefined && !isSampled(creation)) return unsampledAttempts.of(traceparent, creation);
    return unsampledAttempts.of(undefined, unsampledSpanContext());
  };

  function startProducer(job: NewJob, scope: TelemetryScope, operation: 'send' | 'create') {
    const parent = context.active();
    // A creation context the caller stored on the job is kept (the conventions say not to replace it).
    const given = creationContextOf(job.metadata);
    const span = tracerOf().startSpan(
      `${operation} ${job.queue}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: samplingAttributes(operation, job.queue, job.task),
        ...(given ? { links: [{ context: given }] } : {}),
      },
      parent,
    );
    if (span.isRecording()) {
      span.setAttributes({
        [ATTR.adapter]: scope.adapter,
        [ATTR.messageId]: job.id,
        [ATTR.priority]: job.priority,
      });
    }
    let metadata: Record<string, string> = {};
    if (given) {
      // Keep the caller's context.
    } else if (direct) {
      metadata = metadataOf(span.spanContext());
    } else {
      propagator.inject(trace.setSpan(parent, span), metadata, defaultTextMapSetter);
    }
    const handle: EnqueueSpan = { metadata, end: (error) => endWith(span, error) };
    return { span, handle };
  }

  return {
    startEnqueue: (job, scope) =>
      dropsNewTrace([job]) ? unsampledEnqueue() : startProducer(job, scope, 'send').handle,

    startEnqueueBatch(jobs, scope): EnqueueBatchSpan {
      if (dropsNewTrace(jobs)) {
        // One decision and one context for the whole batch, as it is one operation.
        const handle = unsampledEnqueue();
        return { jobs: jobs.map(() => handle), end() {} };
      }
      const parent = context.active();
      const creates = jobs.map((job) => startProducer(job, scope, 'create'));
      const queues = new Set(jobs.map((job) => job.queue));
      const queue = queues.size === 1 ? jobs[0]!.queue : undefined;
      const links: Link[] = creates.map(({ span }, index) => ({
        context: span.spanContext(),
        attributes: { [ATTR.messageId]: jobs[index]!.id },
      }));
      // CLIENT, not PRODUCER: its context is not the jobs' creation context (the create spans are).
      const batch = tracerOf().startSpan(
        queue === undefined ? 'send' : `send ${queue}`,
        {
          kind: SpanKind.CLIENT,
          attributes: samplingAttributes('send', queue, undefined, { [ATTR.batchCount]: jobs.length }),
          links,
        },
        parent,
      );
      if (batch.isRecording()) batch.setAttribute(ATTR.adapter, scope.adapter);
      return { jobs: creates.map(({ handle }) => handle), end: (error) => endWith(batch, error) };
    },

    startAttempt(job: JobRecord, scope: TelemetryScope): AttemptSpan {
      // The jobs of a dropped bulk enqueue share one context: the last one is not parsed again.
      if (headSampling && consumerContext === 'parent' && direct) {
        const reused = unsampledAttempts.reuse(job.metadata?.traceparent);
        if (reused) return reused;
      }
      const creation = creationContextOf(job.metadata);
      if (headSampling) {
        const unsampled = unsampledAttempt(job, creation);
        if (unsampled) return unsampled;
      }
      const asChild = consumerContext === 'parent' && creation !== undefined;
      // Never the worker loop's own context: a job's trace must not depend on where start() was called.
      const parent = asChild ? trace.setSpanContext(ROOT_CONTEXT, creation) : ROOT_CONTEXT;
      const queue = typeof job.queue === 'string' ? job.queue : undefined;
      const span = tracerOf().startSpan(
        queue === undefined ? 'process' : `process ${queue}`,
        {
          kind: SpanKind.CONSUMER,
          root: !asChild,
          attributes: samplingAttributes('process', queue, job.task),
          ...(creation && !asChild ? { links: [{ context: creation }] } : {}),
        },
        parent,
      );
      if (span.isRecording()) {
        span.setAttributes({
          [ATTR.adapter]: scope.adapter,
          [ATTR.messageId]: job.id,
          [ATTR.attempt]: job.attempt,
          ...(scope.worker === undefined ? {} : { [ATTR.clientId]: scope.worker }),
        });
      }
      const active = trace.setSpan(parent, span);
      return {
        run: (fn) => context.with(active, fn),
        end(outcome: AttemptOutcome, error?: unknown) {
          span.setAttribute(ATTR.outcome, outcome);
          if (error !== undefined && (outcome === 'failed' || outcome === 'retrying'))
            recordError(span, error);
          span.end();
        },
      };
    },
  };
}

/**
 * The attributes a sampler may decide on, given at span creation as the conventions ask:
 * the messaging ones and the task (a job's "route"). The SDK checks every attribute passed
 * here even for a span it then drops, so the rest are set only on a recording span.
 */
function samplingAttributes(
  operation: 'send' | 'create' | 'process',
  queue: string | undefined,
  task: unknown,
  attributes: Attributes = {},
): Attributes {
  attributes[ATTR.system] = MESSAGING_SYSTEM;
  attributes[ATTR.operationType] = operation;
  attributes[ATTR.operationName] = operation;
  if (queue !== undefined) attributes[ATTR.destination] = queue;
  if (typeof task === 'string') attributes[ATTR.task] = task;
  return attributes;
}

function endWith(span: Span, error: unknown): void {
  if (error !== undefined) recordError(span, error);
  span.end();
}

/** An exception event, `error.type` and an ERROR status. */
function recordError(span: Span, error: unknown): void {
  const exception = error instanceof Error ? error : new Error(String(error));
  span.recordException(exception);
  span.setAttribute(ATTR.errorType, errorType(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: exception.message });
}
