import { defineProject } from 'vitest/config';

// The repository's own tooling (changeset check); runs in `pnpm test` as the `scripts` project.
export default defineProject({
  test: { name: 'scripts', include: ['test/**/*.test.ts'], testTimeout: 20_000 },
});
