/** JSON text helpers for printing and comparing results. Pure. */

/** JSON with object keys sorted, so `{a,b}` and `{b,a}` (e.g. after a jsonb round trip) compare equal. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(
          Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)),
        )
      : inner,
  );
}

/** Canonical JSON cut to `max` characters; empty for `undefined`. */
export function shortJson(value: unknown, max = 48): string {
  if (value === undefined) return '';
  const text = canonicalJson(value);
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
