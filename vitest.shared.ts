import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

// Tests import workspace packages from source so a change needs no rebuild;
// child processes (crash tests) import the built `dist` through node_modules instead.
export default defineConfig({
  resolve: {
    alias: {
      '@switchyard/core': src('core'),
      '@switchyard/conformance/tcp-proxy': fileURLToPath(
        new URL('./packages/conformance/src/tcp-proxy.ts', import.meta.url),
      ),
      '@switchyard/conformance': src('conformance'),
      '@switchyard/adapter-memory': src('adapter-memory'),
      '@switchyard/adapter-bullmq': src('adapter-bullmq'),
      '@switchyard/adapter-pgboss': src('adapter-pgboss'),
      '@switchyard/adapter-sqs': src('adapter-sqs'),
      '@switchyard/http/client': fileURLToPath(new URL('./packages/http/src/client.ts', import.meta.url)),
      '@switchyard/http': src('http'),
      '@switchyard/prometheus': src('prometheus'),
      '@switchyard/otel': src('otel'),
      '@switchyard/redis-throttle': src('redis-throttle'),
      '@switchyard/cli': src('cli'),
    },
  },
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
