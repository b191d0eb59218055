import { defineConfig } from 'tsup';

export default defineConfig({
  // crash-worker is the child process of the crash-recovery group (spawned with `node dist/crash-worker.js`).
  entry: ['src/index.ts', 'src/crash-worker.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  sourcemap: true,
  clean: true,
  target: 'node22',
});
