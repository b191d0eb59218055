import { runConformanceSuite } from '@switchyard/conformance';
import { requireRedis } from './redis-required.js';

await requireRedis();

runConformanceSuite({
  name: 'bullmq',
  adapterModule: new URL('./conformance-adapter.ts', import.meta.url).href,
});
