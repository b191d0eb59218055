export {
  CAPABILITY_GATES,
  type GateId,
  hasStrictOrdering,
  skippedFeatures,
  skipReason,
} from './capabilities.js';
export { testJob } from './fixtures.js';
export type { ConformanceAdapterModule, ConformanceContext } from './module.js';
export { type ConformanceSuiteOptions, runConformanceSuite } from './suite.js';
