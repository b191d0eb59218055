import { defineConfig } from 'vitest/config';

// Only the pure helpers are tested; the bench itself is not part of `pnpm test`.
export default defineConfig({
  test: { name: 'bench', include: ['test/**/*.test.ts'] },
});
