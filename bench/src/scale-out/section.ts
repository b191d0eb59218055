/**
 * The scale-out section (issue 22): no-op jobs queued beforehand, drained by 1, 2 and 4 worker
 * processes (concurrency 50 each) on BullMQ and pg-boss. Every process connects first and
 * starts its worker on one signal, so the clock measures draining, not process start-up. Each
 * process reports the ids its handler ran: the section fails a round in which a job ran twice
 * or one never ran. The machine's core count is in the run's header; past it, processes share cores.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createSwitchyard } from '@switchyard/core';
import { onLines } from '../child-lines.ts';
import { type BackendName, freshBackend } from '../operations/backends.ts';
import type { BenchOptions, Scenario, Section } from '../section.ts';
import { until } from '../wait.ts';
import { scaleOutTask } from './task.ts';

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));
const PROCESS_COUNTS = [1, 2, 4];
const CONCURRENCY = 50;

/** A worker process and what it reported. */
interface WorkerProcess {
  child: ChildProcessWithoutNullStreams;
  ready: boolean;
  exited: boolean;
}

function startWorker(spec: string, runs: Map<string, number>): WorkerProcess {
  const child = spawn(process.execPath, [WORKER, spec, String(CONCURRENCY)], { stdio: 'pipe' });
  const worker: WorkerProcess = { child, ready: false, exited: false };
  onLines(child.stdout, (line) => {
    if (line === 'READY') worker.ready = true;
    else if (line.startsWith('RAN '))
      for (const id of line.slice(4).split(' ')) runs.set(id, (runs.get(id) ?? 0) + 1);
  });
  child.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  child.on('exit', () => {
    worker.exited = true;
  });
  return worker;
}

/** Drains `jobs` queued jobs with `processes` worker processes; jobs/s from the go signal to the last run reported. */
async function drain(kind: BackendName, processes: number, jobs: number): Promise<Record<string, number>> {
  const backend = await freshBackend(kind);
  const producer = createSwitchyard({
    adapter: backend.adapter(),
    tasks: [scaleOutTask],
    publishEvents: false,
  });
  const runs = new Map<string, number>();
  const workers: WorkerProcess[] = [];
  try {
    await producer.start();
    const ids: string[] = [];
    for (let done = 0; done < jobs; done += 1000) {
      const batch = await producer.enqueueMany(
        scaleOutTask,
        Array.from({ length: Math.min(1000, jobs - done) }, () => ({})),
      );
      ids.push(...batch.map((job) => job.id));
    }
    for (let n = 0; n < processes; n++) workers.push(startWorker(backend.spec, runs));
    if (
      !(await until(() => workers.every((w) => w.ready || w.exited), 60_000, 10)) ||
      workers.some((w) => w.exited)
    )
      throw new Error('a worker process did not start');
    const started = performance.now();
    for (const worker of workers) worker.child.stdin.write('GO\n');
    let total = 0;
    const drained = await until(
      () => {
        total = 0;
        for (const count of runs.values()) total += count;
        return total >= jobs;
      },
      300_000,
      5,
    );
    const seconds = (performance.now() - started) / 1000;
    if (!drained) throw new Error(`only ${total} of ${jobs} jobs ran within 300 s`);
    // Let a late duplicate show up before counting.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const twice = [...runs.values()].filter((count) => count > 1).length;
    const never = ids.filter((id) => !runs.has(id)).length;
    if (twice > 0 || never > 0) throw new Error(`${twice} jobs ran more than once, ${never} never ran`);
    return { rate: jobs / seconds, perProcess: jobs / seconds / processes };
  } finally {
    for (const worker of workers) worker.child.kill('SIGTERM');
    await until(() => workers.every((w) => w.exited), 10_000, 20);
    for (const worker of workers) if (!worker.exited) worker.child.kill('SIGKILL');
    await producer.close();
    await backend.drop();
  }
}

function scaleOutScenario(kind: BackendName, processes: number, jobs: number): Scenario {
  return {
    id: `scale-out-${kind}-${processes}`,
    title: `${kind}: ${jobs.toLocaleString('en')} queued no-op jobs drained by ${processes} worker process${processes > 1 ? 'es' : ''} (concurrency ${CONCURRENCY} each, ${availableParallelism()} cores)`,
    settings: { jobs, processes, concurrency: CONCURRENCY, cores: availableParallelism() },
    metrics: [
      { key: 'rate', label: 'jobs/s', better: 'higher' },
      { key: 'perProcess', label: 'jobs/s per process', better: 'higher' },
    ],
    contenders: [{ name: 'switchyard', role: 'switchyard', run: () => drain(kind, processes, jobs) }],
  };
}

/** The scale-out section. */
export function scaleOutSection(): Section {
  return {
    name: 'scale-out',
    peers: [],
    availability: async () => undefined,
    scenarios: async (options: BenchOptions) => {
      const jobs = options.quick ? 4_000 : 20_000;
      return (['bullmq', 'pgboss'] as const).flatMap((kind) =>
        PROCESS_COUNTS.map((processes) => scaleOutScenario(kind, processes, jobs)),
      );
    },
  };
}
