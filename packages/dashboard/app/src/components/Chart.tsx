/** A small time-series chart (uPlot) of completed and failed jobs per minute. */
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** One series to draw. */
export interface ChartSeries {
  label: string;
  values: number[];
  /** A CSS colour. */
  color: string;
}

/** Draws `series` over `times` (epoch seconds); `title` is the accessible name. */
export function Chart({
  title,
  times,
  series,
  height = 180,
}: {
  title: string;
  times: number[];
  series: ChartSeries[];
  height?: number;
}) {
  const host = useRef<HTMLDivElement>(null);
  // Axis colours come from the theme's variables: redraw when the theme changes.
  const [theme, setTheme] = useState(document.documentElement.dataset.theme);
  useEffect(() => {
    const observer = new MutationObserver(() => setTheme(document.documentElement.dataset.theme));
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    return () => observer.disconnect();
  }, []);
  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const styles = getComputedStyle(document.documentElement);
    const axisColor = styles.getPropertyValue('--muted').trim() || '#666';
    const gridColor = styles.getPropertyValue('--border').trim() || '#ddd';
    const axis = { stroke: axisColor, grid: { stroke: gridColor, width: 1 }, ticks: { stroke: gridColor } };
    const plot = new uPlot(
      {
        width: Math.max(element.clientWidth, 200),
        height,
        series: [
          {},
          ...series.map((entry) => ({
            label: entry.label,
            stroke: entry.color,
            width: 2,
            fill: `${entry.color}22`,
          })),
        ],
        axes: [axis, { ...axis, size: 40 }],
        scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        legend: { show: true, live: false },
        cursor: { drag: { x: false, y: false } },
      },
      [times, ...series.map((entry) => entry.values)],
      element,
    );
    const observer = new ResizeObserver(() =>
      plot.setSize({ width: Math.max(element.clientWidth, 200), height }),
    );
    observer.observe(element);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [times, series, height, theme]);
  return <div class="chart" ref={host} role="img" aria-label={title} />;
}
