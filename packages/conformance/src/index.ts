export { CAPABILITY_GATES, type GateId, hasStrictOrdering, skipReason, skippedFeatures } from './capabilities.js';
export type { ConformanceAdapterModule, ConformanceContext } from './module.js';
export { type ConformanceSuiteOptions, runConformanceSuite } from './suite.js';
