import { runConformanceSuite } from '@switchyard/conformance';

runConformanceSuite({
  name: 'sqs',
  adapterModule: new URL('./conformance-adapter.ts', import.meta.url).href,
});
