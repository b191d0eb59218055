/**
 * Opening the connection a command runs on: `--url`/`SWITCHYARD_URL` selects the REST
 * API, otherwise the config file's yard. One place decides, so every command works
 * over both.
 */
import type { Logger } from '@switchyard/core';
import type { Connection } from './connection.js';
import { openDirectConnection } from './direct-connection.js';
import { usageError } from './exit-codes.js';
import { type CliIo, colorEnabled, Output } from './output.js';
import { parseDurationOption } from './parse-options.js';
import { openRemoteConnection } from './remote-connection.js';

/** Options every command takes (declared once on the root command). */
export interface GlobalOptions {
  config?: string;
  url?: string;
  token?: string;
  json?: boolean;
  color: boolean;
  quiet?: boolean;
  connectTimeout: string;
}

/** Where a command runs: its output and, once opened, its connection. */
export interface CommandContext {
  io: CliIo;
  out: Output;
  globals: GlobalOptions;
  /** The command's name, e.g. `jobs list`. */
  name: string;
  /** Current time (ms). */
  now(): number;
}

/** Builds the output of a command from the global options. */
export function createContext(io: CliIo, globals: GlobalOptions, name: string): CommandContext {
  const out = new Output(io, globals.json === true, colorEnabled(io, globals.color), globals.quiet === true);
  return { io, out, globals, name, now: () => Date.now() };
}

/**
 * The API address and token, from flags or the environment; undefined for a direct connection.
 * An explicit `--config` wins over `SWITCHYARD_URL` in the environment; with `--url` it is an error.
 */
export function remoteTarget(ctx: CommandContext): { url: string; token?: string } | undefined {
  if (ctx.globals.url !== undefined && ctx.globals.config !== undefined) {
    throw usageError('pass either --config or --url, not both');
  }
  if (ctx.globals.config !== undefined) return undefined;
  const url = ctx.globals.url ?? ctx.io.env.SWITCHYARD_URL;
  if (url === undefined || url === '') return undefined;
  const token = ctx.globals.token ?? ctx.io.env.SWITCHYARD_TOKEN;
  return token === undefined || token === '' ? { url } : { url, token };
}

/** Opens the command's connection: remote when a URL is given, else direct over the config. */
export async function openConnection(ctx: CommandContext, logger: Logger): Promise<Connection> {
  const connectTimeoutMs = parseDurationOption(ctx.globals.connectTimeout, '--connect-timeout');
  const remote = remoteTarget(ctx);
  if (remote) return openRemoteConnection({ ...remote, connectTimeoutMs });
  return openDirectConnection({
    cwd: ctx.io.cwd,
    ...(ctx.globals.config !== undefined ? { configPath: ctx.globals.config } : {}),
    logger,
    command: ctx.name,
    connectTimeoutMs,
  });
}
