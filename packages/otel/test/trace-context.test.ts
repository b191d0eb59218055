import {
  createTraceState,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  trace,
} from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { formatTraceparent, parseTraceparent, w3cTraceContext } from '../src/index.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('parseTraceparent', () => {
  it.each([
    [`00-${TRACE}-${SPAN}-01`, { traceId: TRACE, spanId: SPAN, traceFlags: 1, isRemote: true }],
    [`00-${TRACE}-${SPAN}-00`, { traceId: TRACE, spanId: SPAN, traceFlags: 0, isRemote: true }],
    // Unknown flag bits are not carried over; only "sampled" is defined.
    [`00-${TRACE}-${SPAN}-03`, { traceId: TRACE, spanId: SPAN, traceFlags: 1, isRemote: true }],
    // A future version may append fields.
    [`01-${TRACE}-${SPAN}-01-extra`, { traceId: TRACE, spanId: SPAN, traceFlags: 1, isRemote: true }],
    [` 00-${TRACE}-${SPAN}-01 `, { traceId: TRACE, spanId: SPAN, traceFlags: 1, isRemote: true }],
  ])('%s parses', (value, expected) => {
    expect(parseTraceparent(value)).toEqual(expected);
  });

  it.each([
    [`00-${TRACE}-${SPAN}-01-extra`, 'version 00 with trailing data'],
    [`ff-${TRACE}-${SPAN}-01`, 'version ff'],
    [`00-${'0'.repeat(32)}-${SPAN}-01`, 'all-zero trace id'],
    [`00-${TRACE}-${'0'.repeat(16)}-01`, 'all-zero span id'],
    [`00-${TRACE.toUpperCase()}-${SPAN}-01`, 'upper-case hex'],
    [`00-${TRACE}-${SPAN}`, 'missing flags'],
    [`01-${TRACE}-${SPAN}-01x`, 'a later version with no dash after the flags'],
    [`00-${TRACE}_${SPAN}-01`, 'a separator that is not a dash'],
    [`00-${TRACE.slice(1)}g-${SPAN}-01`, 'a trace id digit that is not hex'],
    ['corrupted by a foreign producer', 'garbage'],
    [42, 'not a string'],
    [undefined, 'absent'],
  ])('%s is refused (%s)', (value, _why) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });

  it('formats what it parses', () => {
    const value = `00-${TRACE}-${SPAN}-01`;
    expect(formatTraceparent(parseTraceparent(value)!)).toBe(value);
  });
});

describe('w3cTraceContext', () => {
  it('injects traceparent and tracestate into a string map and extracts them back', () => {
    const spanContext = {
      traceId: TRACE,
      spanId: SPAN,
      traceFlags: 1,
      traceState: createTraceState('vendor=a,other=b'),
    };
    const carrier: Record<string, string> = {};
    w3cTraceContext.inject(trace.setSpanContext(ROOT_CONTEXT, spanContext), carrier, defaultTextMapSetter);
    expect(carrier).toEqual({ traceparent: `00-${TRACE}-${SPAN}-01`, tracestate: 'vendor=a,other=b' });
    const extracted = trace.getSpanContext(
      w3cTraceContext.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter),
    );
    expect(extracted).toMatchObject({ traceId: TRACE, spanId: SPAN, traceFlags: 1, isRemote: true });
    expect(extracted?.traceState?.get('other')).toBe('b');
  });

  it('injects nothing without a valid span, and extracts nothing from garbage', () => {
    const carrier: Record<string, string> = {};
    w3cTraceContext.inject(ROOT_CONTEXT, carrier, defaultTextMapSetter);
    expect(carrier).toEqual({});
    const context = w3cTraceContext.extract(ROOT_CONTEXT, { traceparent: 'nope' }, defaultTextMapGetter);
    expect(trace.getSpanContext(context)).toBeUndefined();
  });
});
