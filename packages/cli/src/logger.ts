/**
 * The CLI's logger: pino, writing JSON lines (`--log-format json`, for log shippers) or
 * pino-pretty's one-line form (`pretty`). Writes are synchronous, so nothing is lost when
 * the process exits right after a line.
 */
import type { Logger } from '@switchyard/core';
import pino from 'pino';
import pinoPretty from 'pino-pretty';
import { usageError } from './exit-codes.js';

/** `--log-format` values. */
export type LogFormat = 'json' | 'pretty';

/** pino's level names. */
const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** Options of `createCliLogger`. */
export interface CliLoggerOptions {
  format: LogFormat;
  level: string;
  /** File descriptor to write to: 1 (stdout) for the worker, 2 (stderr) elsewhere. */
  fd: 1 | 2;
  color: boolean;
}

/** Checks a `--log-format` value. */
export function parseLogFormat(text: string): LogFormat {
  if (text === 'json' || text === 'pretty') return text;
  throw usageError(`--log-format must be json or pretty, got ${JSON.stringify(text)}`);
}

/** Checks a `--log-level` value. */
export function parseLogLevel(text: string): string {
  if ((LEVELS as readonly string[]).includes(text)) return text;
  throw usageError(`--log-level must be one of ${LEVELS.join(', ')}, got ${JSON.stringify(text)}`);
}

/** A pino logger (it satisfies core's `Logger`) for the given form and destination. */
export function createCliLogger(options: CliLoggerOptions): Logger & pino.Logger {
  const base = { level: options.level, base: { pid: process.pid } };
  if (options.format === 'json') {
    return pino(base, pino.destination({ fd: options.fd, sync: true }));
  }
  return pino(
    base,
    pinoPretty({
      destination: options.fd,
      sync: true,
      colorize: options.color,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
      singleLine: true,
    }),
  );
}
