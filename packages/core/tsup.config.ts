import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node22',
  // `node:sqlite` (the fallback spool) exists only with its prefix: keep every `node:` as written.
  removeNodeProtocol: false,
});
