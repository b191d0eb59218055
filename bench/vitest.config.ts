import { defineConfig } from 'vitest/config';

// Only the pure helpers are tested (the root config runs them in `pnpm test`); the bench itself runs with `pnpm bench`.
export default defineConfig({
  test: { name: 'bench', include: ['test/**/*.test.ts'] },
});
