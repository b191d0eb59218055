/** Reading samples out of a prom-client registry, for assertions. */
import type { Registry } from 'prom-client';

/** The value of one sample (`name` with exactly `labels`), or undefined when absent. */
export async function sample(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number | undefined> {
  const metrics = await registry.getMetricsAsJSON();
  const values = metrics.flatMap((metric) =>
    (metric.values as { metricName?: string; labels: Record<string, unknown>; value: number }[]).map((v) => ({
      ...v,
      metricName: v.metricName ?? metric.name,
    })),
  );
  const wanted = Object.entries(labels);
  const match = values.find(
    (v) =>
      v.metricName === name &&
      Object.keys(v.labels).length === wanted.length &&
      wanted.every(([key, value]) => v.labels[key] === value),
  );
  return match?.value;
}

/** Every sample of `name` as `labels → value`, labels rendered `k=v,k=v` in label order. */
export async function samples(registry: Registry, name: string): Promise<Record<string, number>> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const out: Record<string, number> = {};
  for (const v of (metric?.values ?? []) as { labels: Record<string, unknown>; value: number }[]) {
    out[
      Object.entries(v.labels)
        .map(([key, value]) => `${key}=${String(value)}`)
        .join(',')
    ] = v.value;
  }
  return out;
}

/** Resolves on the next macrotask: lets in-process deliveries and settlements run. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
