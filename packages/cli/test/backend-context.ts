/**
 * Per test: a fresh prefix on one backend, a config file opening the test yard there,
 * and the test's own yard on the same backend to check what the binary did.
 */
import type { Switchyard } from '@switchyard/core';
import { beforeAll, onTestFinished } from 'vitest';
import { type BackendName, createTestYard } from './fixtures/yard.js';
import { type CliRun, requireBuiltBinary, runCli, testYardConfig, writeConfig } from './run-cli.js';
import { dropPrefix, newPrefix, requireServices } from './services.js';

/** One test's backend. */
export interface BackendContext {
  backend: BackendName;
  prefix: string;
  /** The directory with `switchyard.config.ts`. */
  dir: string;
  /** The test's own yard on the same backend, started. */
  yard: Switchyard;
  /** Runs the binary in `dir`. */
  cli(
    args: string[],
    options?: { stdin?: string; env?: Record<string, string | undefined>; timeoutMs?: number },
  ): Promise<CliRun>;
}

/** Registers service checks for `backend`; call at the top of a describe block. */
export function useBackend(backend: BackendName): () => Promise<BackendContext> {
  beforeAll(async () => {
    requireBuiltBinary();
    await requireServices(backend);
  });
  return async () => {
    const prefix = newPrefix();
    const dir = await writeConfig(testYardConfig(backend, prefix));
    const yard = createTestYard(backend, prefix);
    await yard.start();
    onTestFinished(async ({ task }) => {
      await yard.close();
      // Left in place when the test failed, for inspection (the prefix is in the test's output).
      if (task.result?.state === 'pass') await dropPrefix(backend, prefix);
    });
    return {
      backend,
      prefix,
      dir,
      yard,
      cli: (args, options = {}) => runCli(args, { cwd: dir, ...options }),
    };
  };
}
