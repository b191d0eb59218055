/**
 * `registerQueueGauges`: queue depth by state, the oldest pending job's age and the
 * pause flag, read from the backend when Prometheus scrapes, so they are true across
 * every process sharing the backend. A slow or down backend never fails or hangs a
 * scrape: the gauges are left out of that scrape and `scrape_errors_total` counts it.
 */
import {
  type Duration,
  InvalidOptionsError,
  JOB_STATES,
  type Logger,
  parseDuration,
  silentLogger,
} from '@switchyard/core';
import { Counter, Gauge, type Registry } from 'prom-client';
import { checkPrefix, DEFAULT_PREFIX, QUEUE_METRICS } from './names.js';
import { QueueReadings } from './queue-readings.js';
import {
  type QueueSnapshot,
  type QueueSnapshotSource,
  type SnapshotYard,
  yardSnapshots,
} from './queue-snapshots.js';

/** Options of `registerQueueGauges`. */
export interface QueueGaugeOptions {
  /** Prefix of the metric names; default `switchyard_`. */
  prefix?: string;
  /** Longest a scrape waits for the backend; default '2s' (keep it under Prometheus's scrape_timeout). */
  timeout?: Duration;
  /** How long one reading of the backend serves scrapes; default '5s'. 0 reads on every scrape. */
  cacheFor?: Duration;
  /** Where a backend failure is logged (once per outage, and when it recovers); default silent. */
  logger?: Logger;
  /** Monotonic milliseconds for the cache; default `performance.now`. */
  now?: () => number;
}

/** Registered queue gauges. */
export interface QueueGauges {
  /** Removes the gauges and the error counter from the registry. */
  unregister(): void;
}

/**
 * Registers `queue_jobs{queue,state}`, `queue_oldest_pending_seconds{queue}`,
 * `queue_paused{queue}` and `scrape_errors_total` in `registry`, read from `source`
 * (a started yard, or your own snapshot function) at scrape time.
 */
export function registerQueueGauges(
  registry: Registry,
  source: SnapshotYard | QueueSnapshotSource,
  options: QueueGaugeOptions = {},
): QueueGauges {
  if (!registry || typeof registry.getSingleMetric !== 'function') {
    throw new InvalidOptionsError('registerQueueGauges needs a prom-client Registry');
  }
  const read = snapshotSource(source);
  const prefix = checkPrefix(options.prefix ?? DEFAULT_PREFIX);
  const timeoutMs = parseDuration(options.timeout ?? '2s', 'timeout');
  const cacheForMs = parseDuration(options.cacheFor ?? '5s', 'cacheFor');
  if (timeoutMs <= 0) throw new InvalidOptionsError('timeout must be more than 0');
  const logger = options.logger ?? silentLogger;
  const names = Object.keys(QUEUE_METRICS).map((name) => `${prefix}${name}`);
  for (const name of names) {
    if (registry.getSingleMetric(name) !== undefined) {
      throw new InvalidOptionsError(
        `the registry already has "${name}": register queue gauges once per registry (or use another prefix)`,
      );
    }
  }

  const readings = new QueueReadings({
    source: read,
    timeoutMs,
    cacheForMs,
    now: options.now ?? (() => performance.now()),
    onFailure: (error, firstOfOutage) => {
      errors.inc();
      // Once per outage: a down backend scraped every 15 s would otherwise flood the log.
      if (firstOfOutage) {
        logger.warn({ err: error }, 'switchyard: queue gauges could not be read from the backend; left out');
      }
    },
    onRecovery: () => logger.info({}, 'switchyard: queue gauges are read from the backend again'),
  });

  const errorSpec = QUEUE_METRICS.scrape_errors_total;
  const errors = new Counter({
    name: `${prefix}scrape_errors_total`,
    help: errorSpec.help,
    registers: [registry],
    // Waits for this scrape's reading, so a failure shows in the very scrape it happened in.
    async collect() {
      await readings.read();
    },
  });
  // Shown as 0 from the first scrape, so `rate()` and alerts see the series before any error.
  errors.inc(0);

  /** A gauge refilled from this scrape's reading (left empty when there is none). */
  const gauge = (name: 'queue_jobs' | 'queue_oldest_pending_seconds' | 'queue_paused', fill: Fill) => {
    const spec = QUEUE_METRICS[name];
    const target: Gauge<string> = new Gauge({
      name: `${prefix}${name}`,
      help: spec.help,
      labelNames: [...spec.labels],
      registers: [registry],
      // prom-client awaits `collect` before it renders the metric.
      async collect() {
        const reading = await readings.read();
        target.reset();
        if (reading.ok) fill(target, reading.snapshots);
      },
    });
  };
  gauge('queue_jobs', (target, snapshots) => {
    for (const { queue, counts } of snapshots) {
      for (const state of JOB_STATES) target.set({ queue, state }, counts[state] ?? 0);
    }
  });
  gauge('queue_oldest_pending_seconds', (target, snapshots) => {
    for (const { queue, oldestPendingAgeMs } of snapshots) {
      if (oldestPendingAgeMs !== null) target.set({ queue }, Math.max(0, oldestPendingAgeMs) / 1000);
    }
  });
  gauge('queue_paused', (target, snapshots) => {
    for (const { queue, paused } of snapshots) target.set({ queue }, paused ? 1 : 0);
  });

  return {
    unregister() {
      for (const name of names) registry.removeSingleMetric(name);
    },
  };
}

type Fill = (target: Gauge<string>, snapshots: QueueSnapshot[]) => void;

function snapshotSource(source: SnapshotYard | QueueSnapshotSource): QueueSnapshotSource {
  if (typeof source === 'function') return source;
  if (source && typeof source === 'object' && source.jobs && source.queues) return yardSnapshots(source);
  throw new InvalidOptionsError('registerQueueGauges needs a yard or a function returning queue snapshots');
}
