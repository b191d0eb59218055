import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

// Tests import workspace packages from source so a change needs no rebuild;
// child processes (crash tests) import the built `dist` through node_modules instead.
export default defineConfig({
  resolve: {
    alias: {
      '@switchyard/core': src('core'),
      '@switchyard/conformance': src('conformance'),
      '@switchyard/adapter-memory': src('adapter-memory'),
      '@switchyard/adapter-bullmq': src('adapter-bullmq'),
      '@switchyard/adapter-pgboss': src('adapter-pgboss'),
      '@switchyard/adapter-sqs': src('adapter-sqs'),
    },
  },
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
