import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// `base: './'`: asset URLs are relative, and @switchyard/http injects a <base href> for the
// mount path chosen at run time, so one build works under any path.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/app', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 600,
  },
});
