import { defineProject, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

// Each test runs the built CLI as child processes, a dozen or more in a row: about a second each on a
// loaded 2-core machine (the full suite runs projects side by side), so the default budget is too tight.
export default mergeConfig(shared, defineProject({ test: { name: 'cli', testTimeout: 90_000 } }));
