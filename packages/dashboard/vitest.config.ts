import { defineProject, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

export default mergeConfig(
  shared,
  defineProject({
    // Browser tests start servers and Chromium: give them room on a shared 2-core machine.
    test: { name: 'dashboard', testTimeout: 60_000, hookTimeout: 120_000, fileParallelism: false },
  }),
);
