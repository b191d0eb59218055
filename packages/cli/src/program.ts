/**
 * The `switchyard` program: global options, every command, and the run loop that turns
 * whatever a command throws into one line on stderr and an exit code.
 */
import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import type { Kit } from './command-kit.js';
import { dashboardCommand } from './commands/dashboard.js';
import { doctorCommand } from './commands/doctor.js';
import { historyCommand } from './commands/history.js';
import { jobsCommand } from './commands/jobs.js';
import { queuesCommand } from './commands/queues.js';
import { schedulesCommand } from './commands/schedules.js';
import { statsCommand } from './commands/stats.js';
import { tasksCommand } from './commands/tasks.js';
import { workerCommand } from './commands/worker.js';
import { workersCommand } from './commands/workers.js';
import { firstLine } from './config-loader.js';
import { classifyError, ExitCode } from './exit-codes.js';
import type { CliIo } from './output.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/** Builds the commander program writing to `io`. */
export function createProgram(kit: Kit): Command {
  const program = new Command('switchyard')
    .description('Run Switchyard workers and operate jobs on any backend (memory, BullMQ, pg-boss, SQS)')
    .version(version, '-V, --version')
    .option(
      '-c, --config <file>',
      'config module exporting the yard (default: ./switchyard.config.{ts,mts,js,mjs})',
    )
    .option('--url <url>', 'use the REST API at this URL instead of a config (env SWITCHYARD_URL)')
    .option('--token <token>', 'API token for --url (env SWITCHYARD_TOKEN)')
    .option('--json', 'print one JSON document (stable field names) instead of tables')
    .option('--no-color', 'no colours (NO_COLOR is respected too)')
    .option('-q, --quiet', 'no progress lines on stderr')
    .option('--connect-timeout <duration>', 'how long the backend may take to answer at start', '10s')
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => kit.io.stdout.write(text),
      writeErr: (text) => kit.io.stderr.write(text),
    });
  program.addHelpText(
    'after',
    '\nExamples:\n  $ switchyard stats\n  $ switchyard jobs list --state failed --json\n  $ switchyard worker --queues email --concurrency 20\n\nExit codes: 0 ok, 1 failure, 2 usage error, 3 not found, 4 refused (auth or role), 5 backend unreachable.\n',
  );
  for (const command of [
    workerCommand(kit),
    jobsCommand(kit),
    statsCommand(kit),
    historyCommand(kit),
    workersCommand(kit),
    tasksCommand(kit),
    queuesCommand(kit),
    schedulesCommand(kit),
    dashboardCommand(kit),
    doctorCommand(kit),
  ]) {
    program.addCommand(command);
  }
  applyInheritedSettings(program, kit);
  return program;
}

/** Commands built with `new Command` do not inherit settings; copy them down the tree. */
function applyInheritedSettings(parent: Command, kit: Kit): void {
  for (const command of parent.commands) {
    command
      .exitOverride()
      .showSuggestionAfterError()
      .configureOutput({
        writeOut: (text) => kit.io.stdout.write(text),
        writeErr: (text) => kit.io.stderr.write(text),
      });
    applyInheritedSettings(command, kit);
  }
}

/** Runs `switchyard` with `argv` (without the node and script entries) and returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const kit: Kit = { io, state: { exitCode: 0 } };
  const program = createProgram(kit);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return kit.state.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed its message (or the help) already.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.ok;
      if (error.code === 'commander.help' || error.code === 'commander.executeSubCommandAsync')
        return error.exitCode;
      return ExitCode.usage;
    }
    const { exitCode, code } = classifyError(error);
    const json = argv.includes('--json');
    io.stderr.write(
      json
        ? `${JSON.stringify({ error: { code, message: firstLine(error), exitCode } })}\n`
        : `switchyard: error: ${firstLine(error)}\n`,
    );
    return exitCode;
  }
}
