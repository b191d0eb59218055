/**
 * `prometheusMetrics()`: a `MetricsRecorder` on prom-client for
 * `createSwitchyard({ telemetry: { metrics } })`. Counters and histograms count what
 * this process did; queue gauges that are true across processes come from
 * `registerQueueGauges` (read from the backend at scrape time).
 */
import {
  InvalidOptionsError,
  type JobCounterName,
  type JobLabels,
  type MetricsRecorder,
  type WorkerLabels,
} from '@switchyard/core';
import { type Registry, register } from 'prom-client';
import { CounterFamily, GaugeFamily, HistogramFamily, registerFamily } from './families.js';
import {
  checkBuckets,
  checkPrefix,
  DEFAULT_DURATION_BUCKETS,
  DEFAULT_PREFIX,
  DEFAULT_WAIT_BUCKETS,
  JOB_COUNTERS,
  JOB_HISTOGRAMS,
  type MetricSpec,
  WORKER_GAUGES,
} from './names.js';

/** Options of `prometheusMetrics`. */
export interface PrometheusMetricsOptions {
  /** Where the metrics are registered; default prom-client's global `register`. */
  registry?: Registry;
  /** Prefix of every metric name; default `switchyard_`. */
  prefix?: string;
  /** Buckets of `job_duration_seconds`, in seconds; default 5 ms … 15 min. */
  durationBuckets?: number[];
  /** Buckets of `job_wait_seconds`, in seconds; default 5 ms … 1 h. */
  waitBuckets?: number[];
}

/** A `MetricsRecorder` that writes to a prom-client registry. */
export interface PrometheusMetrics extends MetricsRecorder {
  /** The registry the metrics live in (serve it with `metricsHandler(registry)`). */
  readonly registry: Registry;
}

/** Builds the recorder and registers its metrics. Throws `InvalidOptionsError` on a bad option. */
export function prometheusMetrics(options: PrometheusMetricsOptions = {}): PrometheusMetrics {
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionsError('prometheusMetrics takes an options object');
  }
  const registry = options.registry ?? register;
  const prefix = checkPrefix(options.prefix ?? DEFAULT_PREFIX);
  const durationBuckets = checkBuckets(
    options.durationBuckets ?? DEFAULT_DURATION_BUCKETS,
    'durationBuckets',
  );
  const waitBuckets = checkBuckets(options.waitBuckets ?? DEFAULT_WAIT_BUCKETS, 'waitBuckets');

  const conflict = (name: string, spec: MetricSpec) => (existing: string) =>
    new InvalidOptionsError(
      `the registry already has a metric "${name}" (${existing}); Switchyard needs a ${spec.type} with labels ` +
        `${spec.labels.join(',') || 'none'}: use another registry or prefix`,
    );
  const family = <F extends CounterFamily | HistogramFamily | GaugeFamily>(
    key: string,
    spec: MetricSpec,
    make: (name: string) => F,
  ): F => registerFamily(registry, make(`${prefix}${key}`), conflict(`${prefix}${key}`, spec));

  const counters = {} as Record<JobCounterName, CounterFamily>;
  for (const name of Object.keys(JOB_COUNTERS) as JobCounterName[]) {
    const spec = JOB_COUNTERS[name];
    counters[name] = family(name, spec, (full) => new CounterFamily(full, spec.help, spec.labels));
  }
  const histogram = (name: keyof typeof JOB_HISTOGRAMS, buckets: number[]) => {
    const spec = JOB_HISTOGRAMS[name];
    return family(name, spec, (full) => new HistogramFamily(full, spec.help, spec.labels, buckets));
  };
  const histograms: Record<keyof typeof JOB_HISTOGRAMS, HistogramFamily> = {
    job_duration_seconds: histogram('job_duration_seconds', durationBuckets),
    job_wait_seconds: histogram('job_wait_seconds', waitBuckets),
  };
  const gauge = (name: keyof typeof WORKER_GAUGES) => {
    const spec = WORKER_GAUGES[name];
    return family(name, spec, (full) => new GaugeFamily(full, spec.help, spec.labels));
  };
  const gauges: Record<keyof typeof WORKER_GAUGES, GaugeFamily> = {
    worker_active_jobs: gauge('worker_active_jobs'),
    worker_concurrency: gauge('worker_concurrency'),
  };

  return {
    registry,
    increment(name, labels) {
      const counter = counters[name];
      if (counter === undefined)
        throw new InvalidOptionsError(`unknown Switchyard counter "${String(name)}"`);
      checkJobLabels(labels, prefix, name);
      if (name === 'jobs_failed_total') counter.inc(labels.queue, labels.task, errorOf(labels));
      else counter.inc(labels.queue, labels.task);
    },
    observe(name, seconds, labels) {
      const target = histograms[name];
      if (target === undefined)
        throw new InvalidOptionsError(`unknown Switchyard histogram "${String(name)}"`);
      if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
        throw new InvalidOptionsError(
          `${prefix}${name}: seconds must be a finite number ≥ 0, got ${String(seconds)}`,
        );
      }
      checkJobLabels(labels, prefix, name);
      target.observe(labels.queue, labels.task, seconds);
    },
    setWorkerGauge(name, value, labels) {
      const target = gauges[name];
      if (target === undefined)
        throw new InvalidOptionsError(`unknown Switchyard worker gauge "${String(name)}"`);
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new InvalidOptionsError(
          `${prefix}${name}: value must be a finite number, got ${String(value)}`,
        );
      }
      target.set(workerOf(labels, `${prefix}${name}`), value);
    },
    observeWorker(labels, read) {
      const worker = workerOf(labels, `${prefix}worker gauges`);
      gauges.worker_active_jobs.pull(worker, () => read().worker_active_jobs);
      gauges.worker_concurrency.pull(worker, () => read().worker_concurrency);
    },
    forgetWorker(labels) {
      const worker = workerOf(labels, `${prefix}worker gauges`);
      gauges.worker_active_jobs.remove(worker);
      gauges.worker_concurrency.remove(worker);
    },
  };
}

/**
 * `queue` and `task` must be strings; anything else is a caller's bug, reported as a typed error.
 * The metric's name is built only for that error: this runs several times per job.
 */
function checkJobLabels(labels: JobLabels, prefix: string, name: string): void {
  if (typeof labels?.queue !== 'string' || typeof labels.task !== 'string') {
    throw new InvalidOptionsError(
      `${prefix}${name}: labels queue and task must be strings, got queue=${shown(labels?.queue)} task=${shown(labels?.task)}`,
    );
  }
}

function errorOf(labels: JobLabels): string {
  const error = labels.error ?? 'Error';
  if (typeof error !== 'string') {
    throw new InvalidOptionsError(`jobs_failed_total: label error must be a string, got ${shown(error)}`);
  }
  return error;
}

function workerOf(labels: WorkerLabels, metric: string): string {
  const worker = labels?.worker;
  if (typeof worker !== 'string') {
    throw new InvalidOptionsError(`${metric}: label worker must be a string, got ${shown(worker)}`);
  }
  return worker;
}

function shown(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : `${typeof value} ${String(value)}`;
}
