import { runConformanceSuite } from '@switchyard/conformance';

runConformanceSuite({
  name: 'memory',
  adapterModule: new URL('./conformance-adapter.ts', import.meta.url).href,
});
