/**
 * What every command shares: an action wrapper that builds the context, opens the
 * connection only when the command asks for it (so bad flags fail before any backend
 * is touched), closes it afterwards, and records the exit code; and the help example.
 */
import type { Command } from 'commander';
import type { Connection } from './connection.js';
import { type CommandContext, createContext, type GlobalOptions, openConnection } from './context.js';
import { createCliLogger } from './logger.js';
import type { CliIo } from './output.js';

/** The exit code the run ends with (set by the action). */
export interface RunState {
  exitCode: number;
}

/** Shared by every command registration. */
export interface Kit {
  io: CliIo;
  state: RunState;
}

/** A command's context with a lazily opened connection. */
export interface ActionContext extends CommandContext {
  /** Opens the connection (once) and returns it. */
  connect(): Promise<Connection>;
}

/** Wraps a command body: `body` returns the exit code (default 0). */
export function action<Args extends unknown[]>(
  kit: Kit,
  name: string,
  body: (ctx: ActionContext, ...args: Args) => Promise<number | undefined>,
): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const globals = command.optsWithGlobals() as GlobalOptions;
    const base = createContext(kit.io, globals, name);
    let opened: Promise<Connection> | undefined;
    const ctx: ActionContext = {
      ...base,
      connect: () => {
        opened ??= openConnection(
          base,
          // One-shot commands print their answer and errors only: a backend's start-up advice
          // (e.g. Redis without persistence) is for the worker's log, not every command's stderr.
          createCliLogger({
            format: 'pretty',
            level: 'error',
            fd: 2,
            color: base.out.colors.isColorSupported,
          }),
        );
        return opened;
      },
    };
    try {
      kit.state.exitCode = (await body(ctx, ...(args.slice(0, -1) as Args))) ?? 0;
    } finally {
      if (opened) {
        const connection = await opened.catch(() => undefined);
        await connection?.close().catch((error: unknown) => {
          base.out.note(`switchyard: warning: closing the connection failed: ${(error as Error).message}`);
        });
      }
    }
  };
}

/** Adds an "Example" section to a command's `--help`. */
export function examples<C extends Command>(command: C, ...lines: string[]): C {
  command.addHelpText(
    'after',
    `\nExample${lines.length > 1 ? 's' : ''}:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`,
  );
  return command;
}
