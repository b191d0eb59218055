/**
 * `sampleRatio`: Switchyard's own decision for each trace a job would start, taken before
 * the SDK is called. The SDK's sampler decides only once it has built the span (ids,
 * attribute checks, the span object), which on a fast backend costs more than running a
 * no-op job; a trace dropped here costs one `traceparent` with the sampled flag off.
 */
import { type Context, context, ROOT_CONTEXT, type SpanContext, TraceFlags, trace } from '@opentelemetry/api';
import { type AttemptSpan, InvalidOptionsError } from '@switchyard/core';

/** The ratio, checked: a number from 0 to 1 (default 1: every decision is the SDK's). */
export function checkSampleRatio(value: unknown): number {
  if (value === undefined) return 1;
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new InvalidOptionsError(`sampleRatio must be a number from 0 to 1, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Whether a trace that would start now is kept: true with probability `ratio`. */
export function keepsNewTrace(ratio: number): boolean {
  return ratio > 0 && Math.random() < ratio;
}

export function isSampled(spanContext: SpanContext): boolean {
  return (spanContext.traceFlags & TraceFlags.SAMPLED) !== 0;
}

/**
 * A new trace's context with the sampled flag off: a job dropped at the start still has a
 * trace id (for log correlation), every attempt agrees it is not traced, and a handler's own
 * spans see an unsampled parent (which parent-based samplers, the SDK's default, follow).
 */
export function unsampledSpanContext(): SpanContext {
  return {
    traceId: randomHex(32),
    spanId: randomHex(16),
    traceFlags: TraceFlags.NONE,
  };
}

/** `length` random lowercase hex digits (a UUID's random bits; never all zero in practice). */
function randomHex(length: number): string {
  return globalThis.crypto.randomUUID().replaceAll('-', '').slice(0, length);
}

/**
 * Attempts that get no span run their handler in the unsampled context; the last one is
 * kept, since the jobs of one bulk enqueue share it (no Context or closure per attempt).
 */
export class UnsampledAttempts {
  private lastTraceparent: string | undefined = undefined;
  private lastAttempt: AttemptSpan | undefined = undefined;

  /** The attempt span made last for the context stored as `traceparent`, if it was the last one made. */
  reuse(traceparent: string | undefined): AttemptSpan | undefined {
    return traceparent !== undefined && traceparent === this.lastTraceparent ? this.lastAttempt : undefined;
  }

  /** The attempt span for the unsampled context `spanContext`, stored as `traceparent`. */
  of(traceparent: string | undefined, spanContext: SpanContext): AttemptSpan {
    const reused = this.reuse(traceparent);
    if (reused) return reused;
    const attempt = attemptIn(trace.setSpanContext(ROOT_CONTEXT, spanContext));
    if (traceparent !== undefined) {
      this.lastTraceparent = traceparent;
      this.lastAttempt = attempt;
    }
    return attempt;
  }
}

function attemptIn(active: Context): AttemptSpan {
  return { run: (fn) => context.with(active, fn), end() {} };
}
