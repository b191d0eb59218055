/** Redis stream entry ids (`<ms>-<seq>`): parsing, order and the id just before one (pure). */

const STREAM_ID = /^(\d{1,20})-(\d{1,20})$/;
const MAX_SEQUENCE = 18_446_744_073_709_551_615n;

/** The id as (ms, seq), or null when it is not a complete stream id. */
export function parseStreamId(id: string): [bigint, bigint] | null {
  const match = STREAM_ID.exec(id);
  if (!match) return null;
  const ms = BigInt(match[1]!);
  const seq = BigInt(match[2]!);
  return ms > MAX_SEQUENCE || seq > MAX_SEQUENCE ? null : [ms, seq];
}

/** Negative, zero or positive as `a` is before, equal to or after `b` (both valid ids). */
export function compareStreamIds(a: string, b: string): number {
  const [aMs, aSeq] = parseStreamId(a) ?? [0n, 0n];
  const [bMs, bSeq] = parseStreamId(b) ?? [0n, 0n];
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  return aSeq === bSeq ? 0 : aSeq < bSeq ? -1 : 1;
}

/** The largest id before `id`, so that reading "after" it starts at `id` itself ('0-0' stays '0-0'). */
export function streamIdBefore(id: string): string {
  const parsed = parseStreamId(id);
  if (!parsed) return '0-0';
  const [ms, seq] = parsed;
  if (seq > 0n) return `${ms}-${seq - 1n}`;
  return ms > 0n ? `${ms - 1n}-${MAX_SEQUENCE}` : '0-0';
}
