/** Runs chaos scenarios on backends, one after the other, and collects the results. */
import os from 'node:os';
import {
  BACKEND_NAMES,
  BACKENDS,
  type BackendName,
  closeRedisAdmin,
  prepareBackend,
} from './backends/index.ts';
import { runScenario, type ScenarioResult } from './run-scenario.ts';
import type { ScenarioSpec } from './scenarios.ts';

/** Options of {@link runChaos}. */
export interface ChaosOptions {
  backends?: BackendName[];
  scenarios: ScenarioSpec[];
  /** Progress lines (stderr in the CLI). */
  progress?: (line: string) => void;
}

export async function runChaos(options: ChaosOptions): Promise<ScenarioResult[]> {
  const progress = options.progress ?? (() => {});
  const results: ScenarioResult[] = [];
  try {
    for (const name of options.backends ?? BACKEND_NAMES) {
      const backend = await prepareBackend(name);
      for (const spec of options.scenarios) {
        progress(`${name}: ${spec.name} …`);
        const result = await runScenario(backend, spec, (line) => progress(`${name}: ${spec.name}: ${line}`));
        const v = result.verdict;
        progress(
          `${name}: ${spec.name}: ${v.jobs} jobs, ${v.lost} lost, ${v.stuck} stuck, ${v.duplicates}/${v.inFlightAtFaults} duplicates/in flight, ${v.crashes} crashes, drain ${result.drainMs ?? 'never'} ms (${(result.durationMs / 1000).toFixed(1)} s)`,
        );
        for (const report of result.crashReports) progress(`crash: ${report}`);
        results.push(result);
      }
    }
  } finally {
    await Promise.all(Object.values(BACKENDS).map((backend) => backend.close()));
    await closeRedisAdmin();
  }
  return results;
}

/** The machine a run measured, for the report. */
export function machine(): Record<string, string> {
  const cpus = os.cpus();
  return {
    cpus: `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown'}`,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    node: process.version,
  };
}
