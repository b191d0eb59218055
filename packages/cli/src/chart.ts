/**
 * A small terminal chart for `switchyard history`: one sparkline per series, the
 * buckets summed in groups when there are more than fit the width. Pure.
 */

const BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/** Sums adjacent values so at most `width` remain (group sizes differ by at most one). */
export function downsample(values: readonly number[], width: number): number[] {
  if (values.length <= width) return [...values];
  const out: number[] = [];
  for (let slot = 0; slot < width; slot++) {
    const start = Math.floor((slot * values.length) / width);
    const end = Math.floor(((slot + 1) * values.length) / width);
    let sum = 0;
    for (let index = start; index < end; index++) sum += values[index]!;
    out.push(sum);
  }
  return out;
}

/** One character per value, scaled to `max`; zero is a space so empty buckets stand out. */
export function sparkline(values: readonly number[], max: number): string {
  return values
    .map((value) => {
      if (value <= 0 || max <= 0) return ' ';
      const level = Math.min(BARS.length - 1, Math.ceil((value / max) * BARS.length) - 1);
      return BARS[level];
    })
    .join('');
}

/** A series to chart. */
export interface ChartSeries {
  label: string;
  values: number[];
  /** Colours the bars (identity when colour is off). */
  paint?: (text: string) => string;
}

/**
 * Lines of the chart: one sparkline per series with its peak, then an axis with the first
 * and last bucket labels. All series share one scale, so their heights compare.
 */
export function renderChart(
  series: ChartSeries[],
  axis: { first: string; last: string },
  width: number,
): string[] {
  const sampled = series.map((entry) => ({ ...entry, values: downsample(entry.values, width) }));
  const max = Math.max(0, ...sampled.flatMap((entry) => entry.values));
  const labelWidth = Math.max(...series.map((entry) => entry.label.length));
  const lines = sampled.map((entry) => {
    const bars = sparkline(entry.values, max);
    const peak = Math.max(0, ...entry.values);
    return `${entry.label.padEnd(labelWidth)} │${(entry.paint ?? ((text) => text))(bars)}│ peak ${peak}`;
  });
  const span = sampled[0]?.values.length ?? 0;
  const gap = Math.max(1, span - axis.first.length - axis.last.length);
  lines.push(`${' '.repeat(labelWidth)}  ${axis.first}${' '.repeat(gap)}${axis.last}`);
  return lines;
}
