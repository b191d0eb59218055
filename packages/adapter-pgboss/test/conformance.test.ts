import { runConformanceSuite } from '@switchyard/conformance';
import { assertDatabaseReachable } from './database-url.js';

await assertDatabaseReachable();

runConformanceSuite({
  name: 'pgboss',
  adapterModule: new URL('./conformance-adapter.ts', import.meta.url).href,
});
