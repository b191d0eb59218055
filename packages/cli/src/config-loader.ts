/**
 * Finds and loads `switchyard.config.{ts,mts,js,mjs}`: a module exporting the app's
 * yard (default export or `yard`), or a function returning one (it receives the CLI's
 * logger). TypeScript is loaded with jiti, so the app's own config file works as is.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import type { Logger, Switchyard } from '@switchyard/core';
import { createJiti } from 'jiti';
import { usageError } from './exit-codes.js';

/** File names looked for in the working directory, in this order. */
export const CONFIG_FILE_NAMES = [
  'switchyard.config.ts',
  'switchyard.config.mts',
  'switchyard.config.js',
  'switchyard.config.mjs',
] as const;

/** What a config function receives. */
export interface ConfigContext {
  /** The CLI's logger (`--log-format`); pass it to `createSwitchyard({ logger })` to get the yard's logs in the same form. */
  logger: Logger;
  /** The command being run, e.g. `worker`, `jobs list`. */
  command: string;
}

/** What a config module may export (as `default` or `yard`). */
export type SwitchyardConfig = Switchyard | ((context: ConfigContext) => Switchyard | Promise<Switchyard>);

/** The config file to load: `--config`, else the first default name present in `cwd`. */
export function findConfigFile(cwd: string, explicit?: string): string {
  if (explicit !== undefined) {
    const path = isAbsolute(explicit) ? explicit : resolve(cwd, explicit);
    if (!existsSync(path)) throw usageError(`config file not found: ${explicit}`);
    return path;
  }
  for (const name of CONFIG_FILE_NAMES) {
    const path = resolve(cwd, name);
    if (existsSync(path)) return path;
  }
  throw usageError(
    `no ${CONFIG_FILE_NAMES.join(', ')} in ${cwd}: pass --config <file>, or --url <api> (SWITCHYARD_URL)`,
  );
}

/** Loads the config at `path` and returns its yard. Every failure is a usage error naming the file. */
export async function loadYard(path: string, context: ConfigContext, cwd: string): Promise<Switchyard> {
  const shown = relative(cwd, path) || path;
  const jiti = createJiti(import.meta.url, { moduleCache: false, interopDefault: false });
  let module: Record<string, unknown>;
  try {
    module = (await jiti.import(path)) as Record<string, unknown>;
  } catch (error) {
    throw usageError(`config ${shown} failed to load: ${firstLine(error)}`, { cause: error });
  }
  const exported = module.default ?? module.yard;
  let candidate: unknown = exported;
  if (typeof exported === 'function') {
    try {
      candidate = await (exported as (context: ConfigContext) => unknown)(context);
    } catch (error) {
      throw usageError(`config ${shown}: its exported function threw: ${firstLine(error)}`, { cause: error });
    }
  }
  if (!isYard(candidate)) {
    const names = Object.keys(module);
    throw usageError(
      `config ${shown} exports no yard: export default a createSwitchyard() result or a function returning one ` +
        `(found ${exported === undefined ? `exports: ${names.length > 0 ? names.join(', ') : 'none'}` : describe(candidate)})`,
    );
  }
  return candidate;
}

/** Duck-typed: a yard from any copy of `@switchyard/core`. */
export function isYard(value: unknown): value is Switchyard {
  if (typeof value !== 'object' || value === null) return false;
  const yard = value as Partial<Record<keyof Switchyard, unknown>>;
  return (
    typeof yard.enqueue === 'function' &&
    typeof yard.createWorker === 'function' &&
    typeof yard.start === 'function' &&
    typeof yard.jobs === 'object' &&
    typeof yard.adapter === 'object'
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return `a ${typeof value}`;
  return `an object with keys ${Object.keys(value).slice(0, 6).join(', ') || '(none)'}`;
}

/** The first line of an error's message: reports stay one line. */
export function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.trim();
}
