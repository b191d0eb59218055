import { defineConfig } from 'tsup';

export default defineConfig({
  // crash-worker, ops-child, flow-child and zombie-worker are child processes of the suite (spawned with `node dist/<name>.js`).
  entry: [
    'src/index.ts',
    'src/tcp-proxy.ts',
    'src/crash-worker.ts',
    'src/ops-child.ts',
    'src/flow-child.ts',
    'src/zombie-worker.ts',
  ],
  format: ['esm'],
  dts: { entry: ['src/index.ts', 'src/tcp-proxy.ts'] },
  sourcemap: true,
  clean: true,
  target: 'node22',
});
