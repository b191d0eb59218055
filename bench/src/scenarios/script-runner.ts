/**
 * Runs an adapter engineer's side-by-side script (`bench/src/<backend>.ts`)
 * for one contender at a time and reads that contender's row of the Markdown
 * table it prints. The script selects a contender with `BENCH_ONLY=<key>`, so
 * the runner can alternate contenders round by round, each in a fresh process.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Contender, MetricSpec, Sample } from '../section.ts';

const run = promisify(execFile);

/** A table column the script prints, and the metric it becomes. */
export interface ScriptColumn {
  /** Header text as printed, compared case-insensitively. */
  header: string;
  metric: MetricSpec;
}

/** One contender as the script knows it. */
export interface ScriptContender {
  name: string;
  role: Contender['role'];
  /** Value of `BENCH_ONLY` that runs just this contender. */
  only: string;
  /** Start of the first cell of its table row, e.g. 'raw pg-boss'. */
  system: string;
  settings?: Record<string, unknown>;
}

/** How to run one script. */
export interface ScriptRun {
  /** File name under `bench/src/`, e.g. 'pgboss.ts'. */
  script: string;
  env: Record<string, string>;
  columns: ScriptColumn[];
  timeoutMs: number;
}

function cells(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((cell) => cell.trim());
}

/** A contender's figures and the free-text notes column (its settings as the script states them). */
export interface ScriptRow {
  sample: Sample;
  notes?: string;
}

/** Pure: finds `system`'s row in a printed Markdown table and reads the wanted columns. */
export function parseScriptTable(stdout: string, system: string, columns: ScriptColumn[]): ScriptRow {
  const lines = stdout.split('\n').filter((line) => line.trim().startsWith('|'));
  const headerLine = lines.find((line) => cells(line)[0]?.toLowerCase() === 'system');
  if (headerLine === undefined) throw new Error('the script printed no table with a "system" column');
  const header = cells(headerLine).map((cell) => cell.toLowerCase());
  const row = lines.map(cells).find((row) => row[0]?.toLowerCase().startsWith(system.toLowerCase()));
  if (row === undefined) throw new Error(`the script printed no row for "${system}"`);
  const sample: Sample = {};
  for (const { header: wanted, metric } of columns) {
    const index = header.indexOf(wanted.toLowerCase());
    if (index < 0) throw new Error(`the script's table has no column "${wanted}"`);
    const value = Number(row[index]?.replace(/,/g, ''));
    if (Number.isFinite(value)) sample[metric.key] = value;
  }
  const notes = row[header.indexOf('notes')];
  return notes ? { sample, notes } : { sample };
}

/** Runs the script for one contender in a child process and returns its figures and notes. */
export async function runScriptContender(spec: ScriptRun, contender: ScriptContender): Promise<ScriptRow> {
  const script = fileURLToPath(new URL(`../${spec.script}`, import.meta.url));
  const { stdout } = await run(process.execPath, [script], {
    env: { ...process.env, ...spec.env, BENCH_ONLY: contender.only },
    timeout: spec.timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  return parseScriptTable(stdout, contender.system, spec.columns);
}

/**
 * The runner's contenders for a script. Each contender's settings gain the
 * script's own notes column after its first run, so what the script says it
 * configured (polling interval, batch size...) is written beside its numbers.
 */
export function scriptContenders(spec: ScriptRun, contenders: ScriptContender[]): Contender[] {
  return contenders.map((contender) => {
    const settings: Record<string, unknown> = { ...contender.settings, script: `bench/src/${spec.script}` };
    return {
      name: contender.name,
      role: contender.role,
      settings,
      async run() {
        const row = await runScriptContender(spec, contender);
        if (row.notes !== undefined) settings.notes = row.notes;
        return row.sample;
      },
    };
  });
}
