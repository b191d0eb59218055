/** Trace ids from a job's metadata, and the link to a tracing UI (pure). */

/** The trace id of a W3C `traceparent` (`00-<32 hex>-<16 hex>-<2 hex>`), or of `traceId` metadata. */
export function traceIdOf(metadata: Record<string, string> | undefined): string | undefined {
  if (!metadata) return undefined;
  const parent = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(metadata.traceparent ?? '');
  if (parent && !/^0+$/.test(parent[1]!)) return parent[1];
  const plain = metadata.traceId ?? metadata.trace_id;
  return plain && /^[0-9A-Za-z-]{1,128}$/.test(plain) ? plain : undefined;
}

/** The link for a trace id: `{traceId}` replaced in the template; only http(s) URLs. */
export function traceUrl(template: string | undefined, traceId: string): string | undefined {
  if (!template?.includes('{traceId}')) return undefined;
  const url = template.replaceAll('{traceId}', encodeURIComponent(traceId));
  return /^https?:\/\//i.test(url) ? url : undefined;
}
