/**
 * Runs an adapter engineer's side-by-side script (`bench/src/<backend>.ts`)
 * in a child process and reads the table it prints (a Markdown table or
 * Node's `console.table` box), one row per system.
 *
 * Two ways to alternate contenders:
 * - the script selects one contender with `BENCH_ONLY=<key>`: the runner calls
 *   each contender in turn, round by round, each in a fresh process;
 * - the script alternates its contenders itself (`BENCH_ROUNDS`): the runner
 *   calls it once (`runTogether`).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Contender, MetricSpec, Sample } from '../section.ts';

const run = promisify(execFile);

/** A table column the script prints, and the metric it becomes. */
export interface ScriptColumn {
  /** Header text as printed, compared case-insensitively and ignoring surrounding spaces. */
  header: string;
  metric: MetricSpec;
}

/** One contender as the script knows it. */
export interface ScriptContender {
  name: string;
  role: Contender['role'];
  /** Start of the "system" cell of its row, e.g. 'raw pg-boss'. */
  system: string;
  /** Value of `BENCH_ONLY` that runs just this contender (scripts that support it). */
  only?: string;
  settings?: Record<string, unknown>;
}

/** The headers a script prints for the four side-by-side figures. */
export interface SideBySideHeaders {
  enqueue: string;
  process: string;
  p50: string;
  p95: string;
}

/**
 * The columns of the bulk enqueue / processing / idle latency measurement
 * (bench/src/measure.ts), under the headers this script prints. The metric
 * keys are shared, so the targets read every backend the same way.
 */
export function sideBySideColumns(headers: SideBySideHeaders): ScriptColumn[] {
  return [
    {
      header: headers.enqueue,
      metric: { key: 'enqueueRate', label: 'bulk enqueue jobs/s', better: 'higher' },
    },
    { header: headers.process, metric: { key: 'processRate', label: 'processing jobs/s', better: 'higher' } },
    { header: headers.p50, metric: { key: 'p50', label: 'idle start p50 ms', better: 'lower' } },
    { header: headers.p95, metric: { key: 'p95', label: 'idle start p95 ms', better: 'lower' } },
  ];
}

/** How to run one script. */
export interface ScriptRun {
  /** File name under `bench/src/`, e.g. 'pgboss.ts'. */
  script: string;
  env: Record<string, string>;
  columns: ScriptColumn[];
  timeoutMs: number;
}

/** A contender's figures and the free-text notes column (its settings as the script states them). */
export interface ScriptRow {
  sample: Sample;
  notes?: string;
}

/** Splits a table line on its column separators (`|` in Markdown, `│` in console.table). */
function cells(line: string): string[] {
  const separator = line.includes('│') ? '│' : '|';
  const parts = line.trim().split(separator);
  return parts.slice(1, parts.length - 1).map((cell) => cell.trim().replace(/^'(.*)'$/, '$1'));
}

/**
 * Pure: the rows of the first table in `stdout` that has a "system" column,
 * as header → cell. Reads Markdown tables and `console.table` boxes.
 */
export function readTableRows(stdout: string): Record<string, string>[] {
  const lines = stdout.split('\n').map((line) => line.trim());
  const start = lines.findIndex(
    (line) =>
      (line.startsWith('|') || line.startsWith('│')) && cells(line).some((c) => c.toLowerCase() === 'system'),
  );
  if (start < 0) throw new Error('the script printed no table with a "system" column');
  const header = cells(lines[start]!).map((cell) => cell.toLowerCase());
  const rows: Record<string, string>[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!(line.startsWith('|') || line.startsWith('│') || line.startsWith('├'))) break;
    if (line.startsWith('├') || /^\|[\s:|-]+\|$/.test(line)) continue;
    const values = cells(line);
    const row: Record<string, string> = {};
    header.forEach((name, index) => {
      row[name] = values[index] ?? '';
    });
    rows.push(row);
  }
  return rows;
}

/** Pure: the wanted columns of one row (cells that are not numbers are left out). */
function readRow(row: Record<string, string>, columns: ScriptColumn[]): ScriptRow {
  const sample: Sample = {};
  for (const { header, metric } of columns) {
    const cell = row[header.trim().toLowerCase()];
    if (cell === undefined) throw new Error(`the script's table has no column "${header}"`);
    const value = Number(cell.replace(/,/g, ''));
    if (cell !== '' && Number.isFinite(value)) sample[metric.key] = value;
  }
  const notes = row.notes;
  return notes ? { sample, notes } : { sample };
}

/** Pure: every row of `system` (one per round when the script prints its rounds), in order. */
export function pickRows(
  rows: Record<string, string>[],
  system: string,
  columns: ScriptColumn[],
): ScriptRow[] {
  const picked = rows.filter((candidate) => candidate.system?.toLowerCase().startsWith(system.toLowerCase()));
  if (picked.length === 0) throw new Error(`the script printed no row for "${system}"`);
  return picked.map((row) => readRow(row, columns));
}

/** Pure: `system`'s first row. */
export function pickRow(rows: Record<string, string>[], system: string, columns: ScriptColumn[]): ScriptRow {
  return pickRows(rows, system, columns)[0]!;
}

/** Pure: `system`'s row of the first table in `stdout`. */
export function parseScriptTable(stdout: string, system: string, columns: ScriptColumn[]): ScriptRow {
  return pickRow(readTableRows(stdout), system, columns);
}

/** Runs the script with extra environment and returns what it printed. */
export async function runScript(spec: ScriptRun, env: Record<string, string>): Promise<string> {
  const script = fileURLToPath(new URL(`../${spec.script}`, import.meta.url));
  const { stdout } = await run(process.execPath, [script], {
    env: { ...process.env, ...spec.env, ...env },
    timeout: spec.timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

/**
 * Contenders for a script that takes `BENCH_ONLY`. Each contender's settings
 * gain the script's notes column after a run, so what the script says it
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
        if (contender.only === undefined) throw new Error(`no BENCH_ONLY key for ${contender.name}`);
        const row = parseScriptTable(
          await runScript(spec, { BENCH_ONLY: contender.only }),
          contender.system,
          spec.columns,
        );
        if (row.notes !== undefined) settings.notes = row.notes;
        return row.sample;
      },
    };
  });
}

/**
 * `runTogether` for a script that alternates its contenders itself and prints
 * one row per contender and round, so the rounds pair up and show their spread.
 */
export function runScriptTogether(
  spec: ScriptRun,
  contenders: ScriptContender[],
): (rounds: number) => Promise<Record<string, Sample[]>> {
  return async (rounds) => {
    const rows = readTableRows(await runScript(spec, { BENCH_ROUNDS: String(rounds) }));
    const result: Record<string, Sample[]> = {};
    for (const contender of contenders)
      result[contender.name] = pickRows(rows, contender.system, spec.columns).map((row) => row.sample);
    return result;
  };
}
