import { defineConfig } from 'vitest/config';

// One root config: every package's tests run from `pnpm test`, each package as a project.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*'],
  },
});
