/** Child processes of the suite: "another process" on the same backend, for real. */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestScope } from './harness.js';
import { waitUntil } from './wait.js';

/** The suite's child scripts (built to dist/<name>.js). */
export type ChildScript = 'crash-worker' | 'ops-child' | 'flow-child' | 'zombie-worker';

/** dist/<name>.js, whether the suite runs from dist or from source under vitest. */
export function childScriptPath(name: ChildScript): string {
  const here = import.meta.url;
  const url = here.endsWith('.ts') ? new URL(`../dist/${name}.js`, here) : new URL(`./${name}.js`, here);
  const path = fileURLToPath(url);
  if (!existsSync(path)) {
    throw new Error(
      `the child script ${path} is missing: run \`pnpm --filter @switchyard/conformance build\` ` +
        '(and build @switchyard/core and the adapter under test: the child process imports their dist)',
    );
  }
  return path;
}

/** A running child with its output collected. */
export interface SpawnedChild {
  readonly process: ChildProcess;
  /** Lines printed so far on stdout. */
  lines(): string[];
  /** Everything printed so far on stderr. */
  stderr(): string;
  /** Waits until a stdout line satisfies `match`; fails early if the child exits. */
  waitForLine(match: (line: string) => boolean, timeoutMs: number, what: string): Promise<string>;
  /** Sends SIGKILL and waits for the exit. */
  kill(): Promise<void>;
}

/** Spawns `node dist/<script>.js ...args`, killed when the test ends. */
export function spawnChild(scope: TestScope, script: ChildScript, args: string[]): SpawnedChild {
  const child = spawn(process.execPath, [childScriptPath(script), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  scope.onDispose(async () => {
    child.kill('SIGKILL');
    await exited;
  });
  let stdout = '';
  let stderr = '';
  let exit: string | null = null;
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.on('exit', (code, signal) => {
    exit = `exited with ${code ?? signal}`;
  });
  const lines = () => stdout.split('\n').filter((line) => line.length > 0);
  return {
    process: child,
    lines,
    stderr: () => stderr,
    async waitForLine(match, timeoutMs, what) {
      try {
        return await waitUntil(
          () => {
            const found = lines().find(match);
            if (found === undefined && exit) throw new Error(`the child ${exit} before ${what}`);
            return found;
          },
          timeoutMs,
          what,
        );
      } catch (error) {
        throw new Error(`${(error as Error).message}\nchild stdout:\n${stdout}\nchild stderr:\n${stderr}`, {
          cause: error,
        });
      }
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
