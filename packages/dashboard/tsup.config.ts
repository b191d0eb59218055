import { defineConfig } from 'tsup';

// The Node entry only (it names where the built app lives); the app itself is built by Vite.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node22',
});
