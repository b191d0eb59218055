import { defineConfig } from 'vitest/config';

// One root config: every package's tests (and the bench's and scripts' own) run from `pnpm test`.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'scripts', 'bench', 'chaos'],
  },
});
