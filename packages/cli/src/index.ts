/**
 * `@switchyard/cli`: the `switchyard` binary, and the pieces to run it programmatically
 * or to type a config file.
 */

export type { Jsonified } from '@switchyard/http/client';
export type { ConfigContext, SwitchyardConfig } from './config-loader.js';
export { CONFIG_FILE_NAMES, isYard } from './config-loader.js';
export type { Connection } from './connection.js';
export { CliError, ExitCode, type ExitCodeValue } from './exit-codes.js';
export type { CliIo } from './output.js';
export { createProgram, runCli } from './program.js';

import type { SwitchyardConfig } from './config-loader.js';

/** Types a config module's default export: `export default defineConfig(({ logger }) => createSwitchyard({ ... }))`. */
export function defineConfig<C extends SwitchyardConfig>(config: C): C {
  return config;
}
