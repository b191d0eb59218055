import { runConformanceSuite } from '@switchyard/conformance';

// The same suite on the in-memory job-state store (not durable, one process).
runConformanceSuite({
  name: 'sqs (memory store)',
  adapterModule: new URL('./conformance-memory-adapter.ts', import.meta.url).href,
});
