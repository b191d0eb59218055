/** Starts `observed-process.ts` as a forked child and talks to it over IPC. */
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { PlainSpan } from '../otel-sdk.js';

const SCRIPT = fileURLToPath(new URL('./observed-process.ts', import.meta.url));

/** The child imports the built packages: fail with the command to run when one is missing. */
function assertBuilt(): void {
  for (const pkg of ['core', 'otel', 'prometheus']) {
    const dist = fileURLToPath(new URL(`../../../${pkg}/dist/index.js`, import.meta.url));
    if (!existsSync(dist)) {
      throw new Error(
        `${dist} is missing: the cross-process tests run their children on the built packages; run \`pnpm build\` first`,
      );
    }
  }
}

/** A running child. */
export interface ObservedProcess {
  metricsUrl: string;
  /** Every span the child finished so far. */
  spans(): Promise<PlainSpan[]>;
  /** The child's `/metrics` text. */
  metrics(): Promise<string>;
  /** Stops the yard and waits for the process to exit. */
  stop(): Promise<void>;
  /** Kills it (cleanup after a failure). */
  kill(): void;
}

/** Forks the child and waits until it serves its metrics. */
export async function startObservedProcess(
  role: 'worker' | 'gauges',
  moduleUrl: string,
  prefix: string,
  consumerContext: 'parent' | 'link' = 'parent',
): Promise<ObservedProcess> {
  assertBuilt();
  const child: ChildProcess = fork(SCRIPT, [role, moduleUrl, prefix, consumerContext], {
    execArgv: [],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(`the ${role} process exited with ${code ?? signal}`)),
  );
  /** The next message of `type`, or a rejection naming the child's output if it dies first. */
  const next = <T>(type: string, timeoutMs = 60_000): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => fail(`no "${type}" message within ${timeoutMs} ms`), timeoutMs);
      const onMessage = (message: { type: string }) => {
        if (message.type !== type) return;
        cleanup();
        resolve(message as T);
      };
      const fail = (why: string) => {
        cleanup();
        reject(new Error(`${why}\nchild output:\n${output}`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        child.off('message', onMessage);
      };
      child.on('message', onMessage);
      void exited.then(fail);
    });
  const { metricsUrl } = await next<{ metricsUrl: string }>('ready');
  return {
    metricsUrl,
    async spans() {
      const reply = next<{ spans: PlainSpan[] }>('spans');
      child.send({ type: 'spans' });
      return (await reply).spans;
    },
    async metrics() {
      const response = await fetch(metricsUrl);
      if (response.status !== 200) throw new Error(`GET ${metricsUrl}: ${response.status}`);
      return response.text();
    },
    async stop() {
      child.send({ type: 'stop' });
      await exited;
    },
    kill() {
      child.kill('SIGKILL');
    },
  };
}

/** One sample of Prometheus text format. */
export interface TextSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the samples of Prometheus text format (label values here need no unescaping beyond quotes). */
export function parseSamples(text: string): TextSample[] {
  const samples: TextSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key!] = value!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of the sample `name` whose labels include `labels`; undefined when absent. */
export function sampleValue(
  samples: TextSample[],
  name: string,
  labels: Record<string, string>,
): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    ?.value;
}
