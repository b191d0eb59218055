/**
 * The job metrics as prom-client metric families kept in plain numbers. A job updates
 * its cell through two or three `Map` lookups on the strings it already carries (no
 * label object to hash, no allocation); prom-client's registry renders the families
 * through their `get()` at scrape time, like any metric it owns. prom-client's own
 * `Counter.inc(labels)` hashes and validates the labels on every call, which on the
 * in-memory adapter cost more than the job itself.
 */
import type { Registry } from 'prom-client';

/** Marks the families of this package, across duplicate installs (for reuse by a second recorder). */
const FAMILY = Symbol.for('switchyard.prometheus.family');

type Values = { value: number; labels: Record<string, string | number>; metricName?: string }[];

/** What prom-client's registry reads from a metric. */
abstract class Family {
  readonly [FAMILY] = true;
  readonly aggregator = 'sum';
  abstract readonly type: 'counter' | 'gauge' | 'histogram';

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}

  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Values }> {
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: this.values(),
    };
  }

  protected abstract values(): Values;
  abstract reset(): void;
}

/** Nested maps keyed by label values, one level per label. */
class Cells<Cell> {
  private root = new Map<string, unknown>();
  // The cell found last: a worker's jobs mostly share one queue and task, so most calls end here.
  private lastA: string | undefined;
  private lastB: string | undefined;
  private lastC: string | undefined;
  private lastCell: Cell | undefined;

  constructor(
    private readonly depth: number,
    private readonly create: (labelValues: string[]) => Cell,
  ) {}

  /** The cell of `a` (, `b` (, `c`)), created on first use. Allocation-free once it exists. */
  at(a: string, b?: string, c?: string): Cell {
    if (this.lastCell !== undefined && a === this.lastA && b === this.lastB && c === this.lastC) {
      return this.lastCell;
    }
    const cell = this.find(a, b, c);
    this.lastA = a;
    this.lastB = b;
    this.lastC = c;
    this.lastCell = cell;
    return cell;
  }

  private find(a: string, b?: string, c?: string): Cell {
    const depth = this.depth;
    let level = this.root;
    if (depth >= 2) level = childOf(level, a);
    if (depth === 3) level = childOf(level, b!);
    const key = depth === 1 ? a : depth === 2 ? b! : c!;
    let cell = level.get(key) as Cell | undefined;
    if (cell === undefined) {
      cell = this.create(depth === 1 ? [a] : depth === 2 ? [a, b!] : [a, b!, c!]);
      level.set(key, cell);
    }
    return cell;
  }

  /** Removes the cell of these label values (single-level families). */
  delete(a: string): void {
    this.root.delete(a);
    this.lastCell = undefined;
  }

  *all(): IterableIterator<Cell> {
    const walk = function* (level: Map<string, unknown>, depth: number): IterableIterator<Cell> {
      for (const value of level.values()) {
        if (depth === 1) yield value as Cell;
        else yield* walk(value as Map<string, unknown>, depth - 1);
      }
    };
    yield* walk(this.root, this.depth);
  }

  clear(): void {
    this.root = new Map();
    this.lastCell = undefined;
  }
}

function childOf(level: Map<string, unknown>, key: string): Map<string, unknown> {
  let next = level.get(key) as Map<string, unknown> | undefined;
  if (next === undefined) {
    next = new Map();
    level.set(key, next);
  }
  return next;
}

function labelsOf(names: readonly string[], values: string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  names.forEach((name, index) => {
    labels[name] = values[index]!;
  });
  return labels;
}

/** A counter labelled by one to three label values. */
export class CounterFamily extends Family {
  readonly type = 'counter';
  private readonly cells = new Cells<{ labels: Record<string, string>; value: number }>(
    this.labelNames.length,
    (values) => ({ labels: labelsOf(this.labelNames, values), value: 0 }),
  );

  inc(a: string, b?: string, c?: string): void {
    this.cells.at(a, b, c).value++;
  }

  protected values(): Values {
    return [...this.cells.all()].map(({ labels, value }) => ({ labels, value }));
  }

  reset(): void {
    this.cells.clear();
  }
}

/** A histogram labelled by queue and task. */
export class HistogramFamily extends Family {
  readonly type = 'histogram';
  private readonly cells = new Cells<{ labels: Record<string, string>; counts: Float64Array; sum: number }>(
    2,
    (values) => ({
      labels: labelsOf(this.labelNames, values),
      counts: new Float64Array(this.upperBounds.length + 1),
      sum: 0,
    }),
  );

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    readonly upperBounds: readonly number[],
  ) {
    super(name, help, labelNames);
  }

  observe(a: string, b: string, value: number): void {
    const cell = this.cells.at(a, b);
    const bounds = this.upperBounds;
    let index = 0;
    while (index < bounds.length && value > bounds[index]!) index++;
    cell.counts[index]!++;
    cell.sum += value;
  }

  protected values(): Values {
    const values: Values = [];
    for (const { labels, counts, sum } of this.cells.all()) {
      let cumulative = 0;
      this.upperBounds.forEach((bound, index) => {
        cumulative += counts[index]!;
        values.push({
          metricName: `${this.name}_bucket`,
          labels: { ...labels, le: bound },
          value: cumulative,
        });
      });
      cumulative += counts[this.upperBounds.length]!;
      values.push({
        metricName: `${this.name}_bucket`,
        labels: { ...labels, le: '+Inf' },
        value: cumulative,
      });
      values.push({ metricName: `${this.name}_sum`, labels, value: sum });
      values.push({ metricName: `${this.name}_count`, labels, value: cumulative });
    }
    return values;
  }

  reset(): void {
    this.cells.clear();
  }
}

/** A gauge labelled by one label value (the worker id): set, or read at scrape time; removable. */
export class GaugeFamily extends Family {
  readonly type = 'gauge';
  private readonly cells = new Cells<{ labels: Record<string, string>; value: number }>(1, (values) => ({
    labels: labelsOf(this.labelNames, values),
    value: 0,
  }));
  private readonly readers = new Map<string, () => number>();

  set(a: string, value: number): void {
    this.cells.at(a).value = value;
  }

  /** Reads the value of `a` from `read` at every scrape instead. */
  pull(a: string, read: () => number): void {
    this.readers.set(a, read);
  }

  remove(a: string): void {
    this.cells.delete(a);
    this.readers.delete(a);
  }

  protected values(): Values {
    const values: Values = [];
    for (const { labels, value } of this.cells.all()) {
      if (!this.readers.has(labels[this.labelNames[0]!]!)) values.push({ labels, value });
    }
    for (const [a, read] of this.readers)
      values.push({ labels: labelsOf(this.labelNames, [a]), value: read() });
    return values;
  }

  reset(): void {
    this.cells.clear();
    this.readers.clear();
  }
}

type AnyFamily = CounterFamily | HistogramFamily | GaugeFamily;

/**
 * Registers `family` in `registry`, or returns the family already registered under its
 * name when it is one of ours with the same type, labels (and buckets): two yards in one
 * process then share their counters. Anything else of that name is a conflict, reported
 * through `conflict` (the caller throws its typed error).
 */
export function registerFamily<F extends AnyFamily>(
  registry: Registry,
  family: F,
  conflict: (existing: string) => Error,
): F {
  const existing = registry.getSingleMetric(family.name) as unknown as
    | { [FAMILY]?: boolean; type?: string; labelNames?: readonly string[]; upperBounds?: readonly number[] }
    | undefined;
  if (existing === undefined) {
    registry.registerMetric(family as never);
    return family;
  }
  const labels = existing.labelNames ?? [];
  const same =
    existing[FAMILY] === true &&
    existing.type === family.type &&
    labels.length === family.labelNames.length &&
    family.labelNames.every((label, index) => labels[index] === label) &&
    (!(family instanceof HistogramFamily) ||
      JSON.stringify(existing.upperBounds) === JSON.stringify(family.upperBounds));
  if (!same) throw conflict(`${existing.type}, labels ${labels.join(',') || 'none'}`);
  return existing as unknown as F;
}
