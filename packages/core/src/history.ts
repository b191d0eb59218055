/**
 * Throughput history: every process counts what its workers finished per minute,
 * (queue, task) and duration bucket, and adds those counts to the backend's cells
 * once per flush interval (one round trip per interval, not per job). Reading sums
 * the cells into the asked buckets and estimates p50/p95 from the duration buckets.
 */
import type { BackendHealth } from './backend-health.js';
import type { Clock, TimerHandle } from './clock.js';
import { InvalidOptionsError } from './errors.js';
import type { DateInput } from './job.js';
import { toDate } from './job-filter.js';
import type { Logger } from './logger.js';
import type { HistoryBucket, HistoryCell, HistoryStore } from './operations-contract.js';
import { assertValidName } from './task.js';
import { type JobLabels, type MetricsRecorder, noopMetrics } from './telemetry.js';

/** Upper bounds of the duration buckets, in ms; one more slot counts longer runs. */
export const DURATION_BUCKETS_MS: readonly number[] = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 30_000, 60_000, 120_000, 300_000,
  600_000, 1_800_000, 3_600_000,
];

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const BUCKET_MS: Record<HistoryBucket, number> = { '1m': MINUTE, '1h': HOUR };
/** Most points one `stats.history` call returns (a week of minutes would be 10,080). */
export const MAX_HISTORY_POINTS = 5000;
/** Cells kept in memory while the backend cannot be written, so a long outage cannot grow memory. */
const MAX_PENDING_CELLS = 10_000;

/** Index of the duration bucket `ms` falls in. */
export function durationBucket(ms: number): number {
  let index = 0;
  while (index < DURATION_BUCKETS_MS.length && ms > DURATION_BUCKETS_MS[index]!) index++;
  return index;
}

/** Estimates the `q` quantile (0..1) from bucket counts, interpolating within the bucket; null when empty. */
export function quantileFromBuckets(counts: readonly number[], q: number): number | null {
  const total = counts.reduce((sum, count) => sum + count, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let index = 0; index < counts.length; index++) {
    const count = counts[index] ?? 0;
    if (count === 0) continue;
    if (seen + count >= rank) {
      const lower = index === 0 ? 0 : DURATION_BUCKETS_MS[index - 1]!;
      const upper = DURATION_BUCKETS_MS[index];
      if (upper === undefined) return lower; // the open top bucket: report its lower bound
      return lower + ((upper - lower) * (rank - seen)) / count;
    }
    seen += count;
  }
  return DURATION_BUCKETS_MS[DURATION_BUCKETS_MS.length - 1]!;
}

/** An empty duration histogram. */
export function emptyDurations(): number[] {
  return new Array(DURATION_BUCKETS_MS.length + 1).fill(0);
}

/** Start of the bucket `ms` falls in. */
export function bucketStart(ms: number, bucket: HistoryBucket): number {
  return Math.floor(ms / BUCKET_MS[bucket]) * BUCKET_MS[bucket];
}

/**
 * Counts finished attempts per minute and (queue, task) in memory, and writes the
 * counts to the backend every `flushIntervalMs`. It is a `MetricsRecorder`, fed by
 * the same calls as metrics, so the worker's hot path has no second hook.
 */
export class HistoryRecorder implements MetricsRecorder {
  private cells = new Map<string, HistoryCell>();
  /** The current minute's cell per queue and task: the per-job path builds no key string. */
  private current = new Map<string, Map<string, HistoryCell>>();
  private timer?: TimerHandle;
  private flushing?: Promise<void>;
  private failing = false;

  constructor(
    private readonly store: HistoryStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly flushIntervalMs: number,
    /** Where an unreachable backend is reported instead (logged once per outage with the rest). */
    private readonly health?: BackendHealth,
  ) {}

  increment(name: string, labels: JobLabels): void {
    if (name === 'jobs_completed_total') this.cell(labels).completed++;
    else if (name === 'jobs_failed_total') this.cell(labels).failed++;
    else if (name === 'jobs_retried_total') this.cell(labels).retried++;
  }

  observe(name: string, seconds: number, labels: JobLabels): void {
    if (name !== 'job_duration_seconds') return;
    this.cell(labels).durations[durationBucket(seconds * 1000)]!++;
  }

  setWorkerGauge(): void {}

  /** Worker gauges are not history: reading none means core never pushes them here. */
  observeWorker(): void {}

  /** Writes what was counted so far (also on close). */
  async flush(): Promise<void> {
    await this.flushing;
    if (this.cells.size === 0) return;
    const cells = [...this.cells.values()];
    this.cells = new Map();
    this.current = new Map();
    this.flushing = this.store.record(cells).then(
      () => {
        if (this.failing) {
          this.failing = false;
          this.logger.info({}, 'switchyard: throughput history is written again');
        }
      },
      (error: unknown) => {
        this.keep(cells);
        if (this.health?.failed(error, 'history')) return;
        if (!this.failing) {
          this.failing = true;
          this.logger.warn({ err: error }, 'switchyard: could not write throughput history; will retry');
        }
      },
    );
    await this.flushing;
    this.flushing = undefined;
  }

  /** Stops the flush timer after a last flush. */
  async close(): Promise<void> {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private cell(labels: JobLabels): HistoryCell {
    const at = bucketStart(this.clock.now(), '1m');
    let byTask = this.current.get(labels.queue);
    if (byTask === undefined) {
      byTask = new Map();
      this.current.set(labels.queue, byTask);
    }
    const cached = byTask.get(labels.task);
    if (cached !== undefined && cached.at === at) return cached;
    const key = `${at}\u0000${labels.queue}\u0000${labels.task}`;
    let cell = this.cells.get(key);
    if (cell === undefined) {
      cell = {
        at,
        queue: labels.queue,
        task: labels.task,
        completed: 0,
        failed: 0,
        retried: 0,
        durations: emptyDurations(),
      };
      this.cells.set(key, cell);
      this.arm();
    }
    byTask.set(labels.task, cell);
    return cell;
  }

  private arm(): void {
    if (this.timer) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.flushIntervalMs);
  }

  /** Puts unwritten cells back (merged), dropping the oldest past the cap. */
  private keep(cells: HistoryCell[]): void {
    for (const cell of cells) {
      const key = `${cell.at}\u0000${cell.queue}\u0000${cell.task}`;
      const current = this.cells.get(key);
      if (current) addCell(current, cell);
      else this.cells.set(key, cell);
    }
    while (this.cells.size > MAX_PENDING_CELLS) this.cells.delete(this.cells.keys().next().value!);
    this.arm();
  }
}

/** Adds `from`'s counts into `into`. */
export function addCell(into: HistoryCell, from: HistoryCell): void {
  into.completed += from.completed;
  into.failed += from.failed;
  into.retried += from.retried;
  for (let index = 0; index < into.durations.length; index++) {
    into.durations[index]! += from.durations[index] ?? 0;
  }
}

/** What `stats.history` takes. */
export interface HistoryQuery {
  queue?: string;
  task?: string;
  from: DateInput;
  to: DateInput;
  bucket: HistoryBucket;
}

/** One bucket of `stats.history`. */
export interface HistoryPoint {
  at: Date;
  completed: number;
  failed: number;
  retried: number;
  /** Estimated median run time of attempts that completed in the bucket, ms; null when none. */
  durationP50Ms: number | null;
  /** Estimated 95th percentile, ms; null when none. */
  durationP95Ms: number | null;
}

/** The answer of `stats.history`: every bucket of the range, empty ones included. */
export interface HistoryResult {
  bucket: HistoryBucket;
  from: Date;
  to: Date;
  points: HistoryPoint[];
}

const HISTORY_KEYS = new Set(['queue', 'task', 'from', 'to', 'bucket']);

/** Validates a `stats.history` query; the range is widened to whole buckets. */
export function normalizeHistoryQuery(query: unknown): {
  from: Date;
  to: Date;
  bucket: HistoryBucket;
  queue?: string;
  task?: string;
} {
  if (typeof query !== 'object' || query === null) {
    throw new InvalidOptionsError('stats.history takes { from, to, bucket, queue?, task? }');
  }
  for (const key of Object.keys(query)) {
    if (!HISTORY_KEYS.has(key)) throw new InvalidOptionsError(`stats.history: unknown option "${key}"`);
  }
  const input = query as HistoryQuery;
  if (input.bucket !== '1m' && input.bucket !== '1h') {
    throw new InvalidOptionsError(
      `stats.history: bucket must be '1m' or '1h', got ${JSON.stringify(input.bucket)}`,
    );
  }
  const from = bucketStart(toDate(input.from, 'stats.history: from').getTime(), input.bucket);
  const toMs = toDate(input.to, 'stats.history: to').getTime();
  if (from >= toMs) throw new InvalidOptionsError('stats.history: from must be before to');
  const to = bucketStart(toMs - 1, input.bucket) + BUCKET_MS[input.bucket];
  if ((to - from) / BUCKET_MS[input.bucket] > MAX_HISTORY_POINTS) {
    throw new InvalidOptionsError(
      `stats.history: at most ${MAX_HISTORY_POINTS} buckets per call; use a larger bucket or a shorter range`,
    );
  }
  const normalized: ReturnType<typeof normalizeHistoryQuery> = {
    from: new Date(from),
    to: new Date(to),
    bucket: input.bucket,
  };
  if (input.queue !== undefined) {
    assertValidName(input.queue, 'stats.history: queue');
    normalized.queue = input.queue;
  }
  if (input.task !== undefined) {
    assertValidName(input.task, 'stats.history: task');
    normalized.task = input.task;
  }
  return normalized;
}

/** Sums cells into every bucket of the range and estimates the percentiles. */
export function historyPoints(
  cells: HistoryCell[],
  range: { from: Date; to: Date; bucket: HistoryBucket; queue?: string; task?: string },
): HistoryResult {
  const size = BUCKET_MS[range.bucket];
  const from = range.from.getTime();
  const count = Math.round((range.to.getTime() - from) / size);
  const sums = Array.from({ length: count }, () => ({
    completed: 0,
    failed: 0,
    retried: 0,
    durations: emptyDurations(),
  }));
  for (const cell of cells) {
    if (range.queue !== undefined && cell.queue !== range.queue) continue;
    if (range.task !== undefined && cell.task !== range.task) continue;
    const index = Math.floor((cell.at - from) / size);
    const sum = sums[index];
    if (sum === undefined) continue;
    addCell(sum as HistoryCell, cell);
  }
  return {
    bucket: range.bucket,
    from: range.from,
    to: range.to,
    points: sums.map((sum, index) => ({
      at: new Date(from + index * size),
      completed: sum.completed,
      failed: sum.failed,
      retried: sum.retried,
      durationP50Ms: quantileFromBuckets(sum.durations, 0.5),
      durationP95Ms: quantileFromBuckets(sum.durations, 0.95),
    })),
  };
}

/**
 * The user's recorder and the history recorder as one. The history recorder comes
 * second; worker gauges only concern the user's. Without user metrics it is the history
 * recorder alone.
 */
export function teeMetrics(user: MetricsRecorder, history: HistoryRecorder): MetricsRecorder {
  if (user === noopMetrics) return history;
  // Named parameters, not `...args`: these run several times per job, and a rest array is an allocation each.
  const tee: MetricsRecorder = {
    increment: (name, labels) => {
      user.increment(name, labels);
      history.increment(name, labels);
    },
    observe: (name, seconds, labels) => {
      user.observe(name, seconds, labels);
      history.observe(name, seconds, labels);
    },
    setWorkerGauge: (...args: Parameters<MetricsRecorder['setWorkerGauge']>) => user.setWorkerGauge(...args),
  };
  if (user.observeWorker) tee.observeWorker = (...args) => user.observeWorker!(...args);
  if (user.forgetWorker) tee.forgetWorker = (...args) => user.forgetWorker!(...args);
  return tee;
}
