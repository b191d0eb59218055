/** Pure: turns a V8 CPU profile into the functions with the most self time. */

/** The parts of a `.cpuprofile` this reads. */
export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  }[];
  samples?: number[];
}

/** One function's share of the samples. */
export interface HotSpot {
  /** Percent of all samples spent in this function itself (not its callees). */
  selfPercent: number;
  functionName: string;
  /** Package-relative location, e.g. `adapter-memory/dist/index.js:486`. */
  location: string;
}

/** Maps a generated position (0-based line and column) to its source, e.g. via a source map. */
export type LocationResolver = (
  url: string,
  line: number,
  column: number,
) => { url: string; line: number } | undefined;

function shortLocation(url: string, zeroBasedLine: number): string {
  if (url === '') return '';
  const parts = url.replace(/^file:\/\//, '').split('/');
  return `${parts.slice(-3).join('/')}:${zeroBasedLine + 1}`;
}

/** The `limit` functions with the most self time, highest first. */
export function topSelfTime(profile: CpuProfile, limit: number, resolve?: LocationResolver): HotSpot[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const samples = profile.samples ?? [];
  const counts = new Map<string, { functionName: string; location: string; count: number }>();
  for (const id of samples) {
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined) continue;
    const functionName = frame.functionName || '(anonymous)';
    const original = resolve?.(frame.url, frame.lineNumber, frame.columnNumber);
    const location = original
      ? shortLocation(original.url, original.line)
      : shortLocation(frame.url, frame.lineNumber);
    const key = `${functionName}@${location}`;
    const entry = counts.get(key) ?? { functionName, location, count: 0 };
    entry.count++;
    counts.set(key, entry);
  }
  return [...counts.values()]
    .sort((a, b) => b.count - a.count)
    .slice(0, limit)
    .map(({ functionName, location, count }) => ({
      selfPercent: samples.length === 0 ? 0 : (100 * count) / samples.length,
      functionName,
      location,
    }));
}
