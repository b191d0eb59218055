/**
 * `otelMetrics()`: Switchyard's `MetricsRecorder` on the OpenTelemetry metrics API,
 * for apps that export through a collector (OTLP) rather than being scraped. Same
 * instruments as `@switchyard/prometheus`, OpenTelemetry-style names and units.
 */
import type {
  Attributes,
  Counter,
  Histogram,
  Meter,
  MeterProvider,
  ObservableResult,
} from '@opentelemetry/api';
import { metrics as metricsApi } from '@opentelemetry/api';
import {
  InvalidOptionsError,
  type JobCounterName,
  type JobLabels,
  type MetricsRecorder,
  type WorkerGaugeValues,
  type WorkerLabels,
} from '@switchyard/core';
import { ATTR, SCOPE_NAME } from './attributes.js';

/** Instrument names, units and descriptions; the Prometheus name each one mirrors is the key. */
export const OTEL_INSTRUMENTS = {
  jobs_enqueued_total: {
    name: 'switchyard.jobs.enqueued',
    unit: '{job}',
    description: 'Jobs stored by the backend.',
  },
  jobs_completed_total: { name: 'switchyard.jobs.completed', unit: '{job}', description: 'Jobs completed.' },
  jobs_retried_total: {
    name: 'switchyard.jobs.retried',
    unit: '{job}',
    description: 'Attempts that failed and were scheduled to run again.',
  },
  jobs_failed_total: {
    name: 'switchyard.jobs.failed',
    unit: '{job}',
    description: 'Jobs failed permanently.',
  },
  jobs_cancelled_total: { name: 'switchyard.jobs.cancelled', unit: '{job}', description: 'Jobs cancelled.' },
  jobs_stalled_total: {
    name: 'switchyard.jobs.stalled',
    unit: '{job}',
    description: 'Jobs delivered again after their worker lost the lease.',
  },
  jobs_spool_conflicts_total: {
    name: 'switchyard.jobs.spool_conflicts',
    unit: '{job}',
    description: 'Spooled jobs dropped at relay time because their unique key was taken.',
  },
  job_duration_seconds: {
    name: 'switchyard.job.duration',
    unit: 's',
    description: 'Run time of one attempt.',
  },
  job_wait_seconds: {
    name: 'switchyard.job.wait',
    unit: 's',
    description: 'Time from when a job became runnable to the start of its attempt.',
  },
  worker_active_jobs: {
    name: 'switchyard.worker.active_jobs',
    unit: '{job}',
    description: 'Handlers running now in a worker.',
  },
  worker_concurrency: {
    name: 'switchyard.worker.concurrency',
    unit: '{job}',
    description: 'Most handlers a worker runs at once.',
  },
} as const;

/** Options of `otelMetrics`. */
export interface OtelMetricsOptions {
  /** Where the instruments live; default the global provider (`metrics.getMeterProvider()`). */
  meterProvider?: MeterProvider;
  /** Bucket advice for both histograms, in seconds; default 5 ms … 1 h. */
  buckets?: number[];
}

const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

/** Builds the recorder and creates its instruments. */
export function otelMetrics(options: OtelMetricsOptions = {}): MetricsRecorder {
  const buckets = options.buckets ?? DEFAULT_BUCKETS;
  if (
    !Array.isArray(buckets) ||
    buckets.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= buckets[i - 1]!))
  ) {
    throw new InvalidOptionsError(
      `buckets must be finite, strictly increasing seconds, got ${JSON.stringify(buckets)}`,
    );
  }
  const meter: Meter = (options.meterProvider ?? metricsApi.getMeterProvider()).getMeter(SCOPE_NAME);
  const counters = {} as Record<JobCounterName, Counter>;
  for (const key of Object.keys(OTEL_INSTRUMENTS) as (keyof typeof OTEL_INSTRUMENTS)[]) {
    if (!key.endsWith('_total')) continue;
    const { name, unit, description } = OTEL_INSTRUMENTS[key];
    counters[key as JobCounterName] = meter.createCounter(name, { unit, description });
  }
  const histogram = (key: 'job_duration_seconds' | 'job_wait_seconds'): Histogram => {
    const { name, unit, description } = OTEL_INSTRUMENTS[key];
    return meter.createHistogram(name, { unit, description, advice: { explicitBucketBoundaries: buckets } });
  };
  const histograms = {
    job_duration_seconds: histogram('job_duration_seconds'),
    job_wait_seconds: histogram('job_wait_seconds'),
  };

  // Worker gauges are observed at collection time from the last value each worker reported.
  const workerValues = {
    worker_active_jobs: new Map<string, number>(),
    worker_concurrency: new Map<string, number>(),
  };
  const workerReaders = new Map<string, () => WorkerGaugeValues>();
  for (const key of ['worker_active_jobs', 'worker_concurrency'] as const) {
    const { name, unit, description } = OTEL_INSTRUMENTS[key];
    meter.createObservableGauge(name, { unit, description }).addCallback((result: ObservableResult) => {
      for (const [worker, value] of workerValues[key]) result.observe(value, { [ATTR.worker]: worker });
      for (const [worker, read] of workerReaders) result.observe(read()[key], { [ATTR.worker]: worker });
    });
  }

  return {
    increment(name, labels) {
      const counter = counters[name];
      if (counter === undefined)
        throw new InvalidOptionsError(`unknown Switchyard counter "${String(name)}"`);
      const attributes = jobAttributes(labels);
      if (name === 'jobs_failed_total') attributes[ATTR.errorType] = labels.error ?? 'Error';
      counter.add(1, attributes);
    },
    observe(name, seconds, labels) {
      const target = histograms[name];
      if (target === undefined)
        throw new InvalidOptionsError(`unknown Switchyard histogram "${String(name)}"`);
      target.record(seconds, jobAttributes(labels));
    },
    setWorkerGauge(name, value, labels) {
      const values = workerValues[name];
      if (values === undefined)
        throw new InvalidOptionsError(`unknown Switchyard worker gauge "${String(name)}"`);
      values.set(workerOf(labels), value);
    },
    observeWorker(labels, read) {
      workerReaders.set(workerOf(labels), read);
    },
    forgetWorker(labels) {
      const worker = workerOf(labels);
      workerReaders.delete(worker);
      workerValues.worker_active_jobs.delete(worker);
      workerValues.worker_concurrency.delete(worker);
    },
  };
}

function jobAttributes(labels: JobLabels): Attributes {
  const { queue, task } = labels ?? ({} as JobLabels);
  if (typeof queue !== 'string' || typeof task !== 'string') {
    throw new InvalidOptionsError(
      `metric attributes queue and task must be strings, got queue=${typeof queue} task=${typeof task}`,
    );
  }
  return { [ATTR.destination]: queue, [ATTR.task]: task };
}

function workerOf(labels: WorkerLabels): string {
  if (typeof labels?.worker !== 'string') {
    throw new InvalidOptionsError(
      `worker gauge attribute worker must be a string, got ${typeof labels?.worker}`,
    );
  }
  return labels.worker;
}
