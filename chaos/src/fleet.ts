/**
 * The worker processes of one chaos run: spawns them, reads what they print, kills,
 * freezes and thaws them, and keeps the record the verdict is computed from (every
 * handler start and stored completion, every log line, every exit and whether the
 * harness caused it).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BackendName } from './backends/types.ts';
import type { WorkerConfig } from './worker-process.ts';

const WORKER_SCRIPT = fileURLToPath(new URL('./worker-process.ts', import.meta.url));

/** One handler run, as a worker process reported it. */
export interface RunRecord {
  jobId: string;
  attempt: number;
  /** Which worker process (its number in the run). */
  child: number;
  startedAt: number;
  /** When the completion was stored; absent when it never was (killed, frozen, lost). */
  endedAt?: number;
}

/** How a worker process ended. */
export interface ChildExit {
  child: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The harness killed or stopped it; false means it crashed. */
  expected: boolean;
  stderr: string;
}

/** A log line a worker process printed. */
export interface WorkerLogLine {
  child: number;
  level: string;
  outage: 'down' | 'up' | undefined;
  msg: string;
  at: number;
}

/** A worker process of the fleet. */
export interface FleetChild {
  readonly number: number;
  readonly process: ChildProcess;
  /** Its jobs started and not completed at `at` (epoch ms). */
  running(at: number): RunRecord[];
}

export class Fleet {
  readonly runs: RunRecord[] = [];
  readonly exits: ChildExit[] = [];
  readonly logs: WorkerLogLine[] = [];
  private readonly alive = new Map<number, FleetChild>();
  private readonly expected = new Set<number>();
  private readonly exited = new Map<number, Promise<void>>();
  private next = 0;
  private readonly backend: BackendName;
  private readonly prefix: string;
  private readonly config: WorkerConfig;

  constructor(backend: BackendName, prefix: string, config: WorkerConfig) {
    this.backend = backend;
    this.prefix = prefix;
    this.config = config;
  }

  /** The worker processes alive now. */
  get children(): FleetChild[] {
    return [...this.alive.values()];
  }

  /** Spawns `count` worker processes and resolves once each takes jobs. */
  async grow(count: number): Promise<FleetChild[]> {
    return Promise.all(Array.from({ length: count }, () => this.spawn()));
  }

  /** Spawns one worker process; resolves once it prints READY. */
  spawn(): Promise<FleetChild> {
    const number = this.next++;
    const child = spawn(
      process.execPath,
      [WORKER_SCRIPT, this.backend, this.prefix, JSON.stringify(this.config)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: process.env,
      },
    );
    const open = new Map<string, RunRecord>();
    const mine: RunRecord[] = [];
    let stderr = '';
    let pending = '';
    let ready!: () => void;
    let failed!: (error: Error) => void;
    const readyPromise = new Promise<void>((resolve, reject) => {
      ready = resolve;
      failed = reject;
    });
    const onLine = (line: string) => {
      const [kind, ...rest] = line.split(' ');
      if (kind === 'RUN') {
        const [jobId, attempt, at] = rest;
        const record: RunRecord = {
          jobId: jobId!,
          attempt: Number(attempt),
          child: number,
          startedAt: Number(at),
        };
        open.set(record.jobId, record);
        mine.push(record);
        this.runs.push(record);
      } else if (kind === 'END') {
        const record = open.get(rest[0]!);
        if (record) {
          record.endedAt = Number(rest[1]);
          open.delete(record.jobId);
        }
      } else if (kind === 'LOG') {
        const [level, outage, ...msg] = rest;
        this.logs.push({
          child: number,
          level: level!,
          outage: outage === 'down' || outage === 'up' ? outage : undefined,
          msg: msg.join(' '),
          at: Date.now(),
        });
      } else if (kind === 'READY') {
        ready();
      }
    };
    child.stdout!.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.length > 0) onLine(line);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-8000);
    });
    const exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        this.alive.delete(number);
        this.exits.push({ child: number, code, signal, expected: this.expected.has(number), stderr });
        failed(
          new Error(`worker process ${number} exited (${code ?? signal}) before it was ready:\n${stderr}`),
        );
        resolve();
      });
    });
    this.exited.set(number, exited);
    const handle: FleetChild = {
      number,
      process: child,
      running: (at) =>
        mine.filter((run) => run.startedAt <= at && (run.endedAt === undefined || run.endedAt > at)),
    };
    this.alive.set(number, handle);
    return readyPromise.then(() => handle);
  }

  /** SIGKILLs a worker process and waits until it is gone. */
  async kill(child: FleetChild): Promise<void> {
    this.expected.add(child.number);
    child.process.kill('SIGKILL');
    await this.exited.get(child.number);
  }

  /** Freezes a worker process (SIGSTOP): it holds its jobs and does nothing. */
  freeze(child: FleetChild): void {
    this.expected.add(child.number);
    child.process.kill('SIGSTOP');
  }

  /** Wakes a frozen worker process (SIGCONT). */
  thaw(child: FleetChild): void {
    child.process.kill('SIGCONT');
    this.expected.delete(child.number);
  }

  /** Stops every worker process: SIGTERM, then SIGKILL after `graceMs`. */
  async stopAll(graceMs = 8000): Promise<void> {
    await Promise.all(
      this.children.map(async (child) => {
        this.expected.add(child.number);
        child.process.kill('SIGCONT');
        child.process.kill('SIGTERM');
        const timer = setTimeout(() => child.process.kill('SIGKILL'), graceMs);
        await this.exited.get(child.number);
        clearTimeout(timer);
      }),
    );
  }

  /** Worker processes that ended without the harness asking. */
  crashes(): ChildExit[] {
    return this.exits.filter((exit) => !exit.expected);
  }

  /** The jobs any worker process was running at `at`. */
  runningAt(at: number, children?: number[]): RunRecord[] {
    return this.runs.filter(
      (run) =>
        (children === undefined || children.includes(run.child)) &&
        run.startedAt <= at &&
        (run.endedAt === undefined || run.endedAt > at),
    );
  }
}
