export {
  CAPABILITY_GATES,
  type GateId,
  hasStrictOrdering,
  type OptionalHooks,
  skippedFeatures,
  skipReason,
} from './capabilities.js';
export { testJob } from './fixtures.js';
export { describeLine, LogCapture, type LogLine } from './log-capture.js';
export {
  CORRUPTION_KINDS,
  type ConformanceAdapterModule,
  type ConformanceContext,
  type CorruptionKind,
  DEFAULT_DELIVERY_LATENCY_MS,
  type RouteThroughProxy,
} from './module.js';
export { type ConformanceSuiteOptions, runConformanceSuite } from './suite.js';
export { type ProxyMode, type ServiceAddress, startTcpProxy, type TcpProxy } from './tcp-proxy.js';
export { waitUntil } from './wait.js';
