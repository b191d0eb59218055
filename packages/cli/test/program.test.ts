/**
 * The program in-process with a fake terminal: `--help` with an example on every
 * command, and colour only on a TTY without NO_COLOR or --no-color.
 */
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../src/output.js';
import { createProgram, runCli } from '../src/program.js';
import { fixtureConfig, writeConfig } from './run-cli.js';

/** A fake process: captured output, a TTY or not. */
function fakeIo(cwd: string, options: { tty?: boolean; env?: Record<string, string> } = {}) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text), isTTY: options.tty ?? false },
    stderr: { write: (text: string) => (stderr += text), isTTY: false },
    stdin: process.stdin,
    env: options.env ?? {},
    cwd,
  };
  return { io, out: () => stdout, err: () => stderr };
}

/** Every command path, e.g. ['jobs', 'bulk']. */
function commandPaths(command: Command, prefix: string[] = []): string[][] {
  return command.commands.flatMap((child) => {
    const path = [...prefix, child.name()];
    return [path, ...commandPaths(child, path)];
  });
}

describe('help', () => {
  it('every command has --help with an example, exit 0', async () => {
    const { io } = fakeIo(process.cwd());
    const paths = commandPaths(createProgram({ io, state: { exitCode: 0 } }));
    expect(paths.map((path) => path.join(' '))).toEqual(
      expect.arrayContaining([
        'worker',
        'jobs list',
        'jobs get',
        'jobs enqueue',
        'jobs wait',
        'jobs cancel',
        'jobs retry',
        'jobs remove',
        'jobs bulk',
        'jobs clean',
        'stats',
        'history',
        'workers',
        'tasks',
        'queues list',
        'queues pause',
        'queues resume',
        'schedules list',
        'schedules pause',
        'schedules resume',
        'schedules trigger',
        'schedules remove',
        'dashboard',
        'doctor',
      ]),
    );
    for (const path of [[], ...paths]) {
      const run = fakeIo(process.cwd());
      expect(await runCli([...path, '--help'], run.io), path.join(' ')).toBe(0);
      expect(run.out(), path.join(' ')).toMatch(/\nExamples?:\n {2}\$ switchyard /);
    }
  });
});

describe('colour', () => {
  it('on a TTY only, and never with NO_COLOR or --no-color', async () => {
    const dir = await writeConfig(fixtureConfig(['createTestYard'], "createTestYard('memory', 'colour')"));
    const ansi = new RegExp(`${String.fromCharCode(27)}\\[`);
    const tty = fakeIo(dir, { tty: true });
    expect(await runCli(['tasks'], tty.io)).toBe(0);
    expect(tty.out()).toMatch(ansi);
    const pipe = fakeIo(dir, { tty: false });
    await runCli(['tasks'], pipe.io);
    expect(pipe.out()).toContain('echo');
    expect(pipe.out()).not.toMatch(ansi);
    const noColor = fakeIo(dir, { tty: true, env: { NO_COLOR: '1' } });
    await runCli(['tasks'], noColor.io);
    expect(noColor.out()).not.toMatch(ansi);
    const flag = fakeIo(dir, { tty: true });
    await runCli(['tasks', '--no-color'], flag.io);
    expect(flag.out()).toContain('echo');
    expect(flag.out()).not.toMatch(ansi);
  });
});
