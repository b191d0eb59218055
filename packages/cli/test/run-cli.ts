/**
 * Runs the real, built `switchyard` binary (`dist/bin.js`) as a child process, with a
 * config file the test writes into a temporary directory.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackendName } from './fixtures/yard.js';

/** The built binary. */
export const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/yard.ts', import.meta.url));

/** Throws when the binary has not been built. */
export function requireBuiltBinary(): void {
  if (!existsSync(BIN)) {
    throw new Error(
      `${BIN} is missing: build the CLI first (pnpm --filter @switchyard/cli build, or pnpm build)`,
    );
  }
}

/** What a finished run printed and how it exited. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Options of `runCli`. */
export interface RunOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  stdin?: string;
  timeoutMs?: number;
}

/** Environment for a child: no colour settings leaking in from the developer's shell. */
function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.FORCE_COLOR;
  for (const [key, value] of Object.entries(extra)) if (value === undefined) delete env[key];
  return env;
}

/** Spawns `switchyard args…` and resolves when it exits. */
export function runCli(args: string[], options: RunOptions): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: childEnv(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `switchyard ${args.join(' ')} did not exit within ${options.timeoutMs ?? 30_000} ms\n${stderr}`,
        ),
      );
    }, options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? '');
  });
}

/** Parses a run's stdout as its one JSON document (with the run shown on failure). */
export function jsonOf<T = any>(run: CliRun): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(
      `stdout is not one JSON document (exit ${run.code}):\n${run.stdout}\nstderr:\n${run.stderr}`,
    );
  }
}

/** A temporary directory holding `switchyard.config.ts` with `source`. */
export async function writeConfig(source: string, name = 'switchyard.config.ts'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-cli-'));
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, name), source);
  return dir;
}

/** A config that opens the test yard on `backend` under `prefix` (optionally at another address). */
export function testYardConfig(backend: BackendName, prefix: string, address?: string): string {
  return [
    `import { createTestYard } from ${JSON.stringify(FIXTURE)};`,
    `export default ({ logger }) => createTestYard(${JSON.stringify(backend)}, ${JSON.stringify(prefix)}, { logger${
      address ? `, address: ${JSON.stringify(address)}` : ''
    } });`,
    '',
  ].join('\n');
}

/** A config whose default export is `expression`, evaluated with the fixture module's exports in scope. */
export function fixtureConfig(names: string[], expression: string): string {
  return `import { ${names.join(', ')} } from ${JSON.stringify(FIXTURE)};\nexport default ${expression};\n`;
}

/** A long-running `switchyard` (the worker): its JSON log lines as they arrive. */
export interface CliProcess {
  child: ChildProcess;
  /** Parsed JSON log lines so far. */
  lines: Record<string, any>[];
  stderr(): string;
  /** Resolves with the first log line matching `predicate`. */
  waitForLine(
    predicate: (line: Record<string, any>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, any>>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/** Starts `switchyard args…` and keeps it running; stdout is read as JSON lines. */
export function startCli(args: string[], options: { cwd: string; env?: Record<string, string> }): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: childEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, any>[] = [];
  const waiters = new Set<() => void>();
  let buffered = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let newline = buffered.indexOf('\n');
    while (newline !== -1) {
      const text = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (text.trim()) lines.push(parseLine(text));
      newline = buffered.indexOf('\n');
    }
    for (const wake of waiters) wake();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code, signal) => {
      for (const wake of waiters) wake();
      if (signal) stderr += `\n[ended by ${signal}]`;
      resolve(code);
    }),
  );
  return {
    child,
    lines,
    stderr: () => stderr,
    exited,
    waitForLine(predicate, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = lines.find(predicate);
          if (found) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(found);
          } else if (child.exitCode !== null) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(
              new Error(
                `switchyard exited (${child.exitCode}) before the expected line\n${stderr}\n${JSON.stringify(lines)}`,
              ),
            );
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(`no matching log line within ${timeoutMs} ms: ${JSON.stringify(lines)}\n${stderr}`),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

/** A JSON log line, or `{ raw }` for a pretty one. */
function parseLine(text: string): Record<string, any> {
  try {
    return JSON.parse(text) as Record<string, any>;
  } catch {
    return { raw: text };
  }
}
