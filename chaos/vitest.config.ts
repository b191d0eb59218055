import { defineConfig } from 'vitest/config';

// The quick chaos run (real worker processes, real faults) and the harness's pure parts. Like the
// worker processes, the tests import the built packages (`pnpm test` builds first).
export default defineConfig({
  test: { name: 'chaos', include: ['test/**/*.test.ts'], testTimeout: 240_000, hookTimeout: 60_000 },
});
