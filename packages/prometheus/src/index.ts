export { metricsFetchHandler, metricsHandler } from './handler.js';
export {
  DEFAULT_DURATION_BUCKETS,
  DEFAULT_PREFIX,
  DEFAULT_WAIT_BUCKETS,
  exportedMetrics,
  type MetricSpec,
} from './names.js';
export { type QueueGaugeOptions, type QueueGauges, registerQueueGauges } from './queue-gauges.js';
export {
  type QueueSnapshot,
  type QueueSnapshotSource,
  type SnapshotYard,
  yardSnapshots,
} from './queue-snapshots.js';
export { type PrometheusMetrics, type PrometheusMetricsOptions, prometheusMetrics } from './recorder.js';
