/** The chaos table, the issue's figures checked against a run, and the files a run writes. */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { ScenarioResult } from './run-scenario.ts';

/** One of the figures a run must reach, checked. */
export interface FigureCheck {
  figure: string;
  status: 'met' | 'missed' | 'not run';
  /** Where it was missed. */
  misses: string[];
}

const where = (result: ScenarioResult) => `${result.backend} / ${result.scenario}`;

function check(
  figure: string,
  results: readonly ScenarioResult[],
  applies: (result: ScenarioResult) => boolean,
  miss: (result: ScenarioResult) => string | null,
): FigureCheck {
  const relevant = results.filter(applies);
  const misses = relevant.flatMap((result) => {
    const why = miss(result);
    return why === null ? [] : [`${where(result)}: ${why}`];
  });
  return { figure, status: relevant.length === 0 ? 'not run' : misses.length > 0 ? 'missed' : 'met', misses };
}

/** The figures of the issue, on every backend that ran. */
export function checkFigures(results: readonly ScenarioResult[]): FigureCheck[] {
  const all = () => true;
  return [
    check('0 jobs lost', results, all, (r) => (r.verdict.lost === 0 ? null : `${r.verdict.lost} lost`)),
    check('0 jobs stuck', results, all, (r) => (r.verdict.stuck === 0 ? null : `${r.verdict.stuck} stuck`)),
    check('0 worker crashes', results, all, (r) =>
      r.verdict.crashes === 0 ? null : `${r.verdict.crashes} crashes`,
    ),
    check('duplicates ≤ jobs in flight at the faults', results, all, (r) =>
      r.verdict.duplicates <= r.verdict.inFlightAtFaults
        ? null
        : `${r.verdict.duplicates} duplicates, ${r.verdict.inFlightAtFaults} in flight`,
    ),
    check(
      'with the spool: 0 enqueues refused during the outage',
      results,
      (r) =>
        r.kind === 'outage' &&
        r.figures.spooled !== undefined &&
        r.scenario.includes('spool') &&
        !r.scenario.includes('no spool'),
      (r) => (r.figures.refusedDuringOutage === 0 ? null : `${r.figures.refusedDuringOutage} refused`),
    ),
    check(
      'with the spool: 0 lost or doubled after the relay',
      results,
      (r) => r.kind === 'outage' && r.scenario.includes('spool') && !r.scenario.includes('no spool'),
      (r) =>
        r.verdict.lost === 0 && r.verdict.duplicates <= r.verdict.inFlightAtFaults
          ? null
          : `${r.verdict.lost} lost, ${r.verdict.duplicates} duplicates`,
    ),
    check(
      'without the spool: every enqueue during the outage fails within backendTimeout + 1 s',
      results,
      (r) => r.kind === 'outage' && r.scenario.includes('no spool'),
      (r) =>
        r.figures.overBound === 0 && r.figures.storedWhileCut === 0
          ? null
          : `${r.figures.enqueuesDuringOutage} enqueues, ${r.figures.overBound} took too long (slowest ${r.figures.maxEnqueueMsDuringOutage} ms), ${r.figures.storedWhileCut} stored while cut`,
    ),
    check(
      '0 settles accepted from a zombie worker',
      results,
      (r) => r.kind === 'zombies',
      (r) => (r.figures.zombieSettlesAccepted === 0 ? null : `${r.figures.zombieSettlesAccepted} accepted`),
    ),
  ];
}

function seconds(ms: number | null): string {
  return ms === null ? 'never' : `${(ms / 1000).toFixed(1)} s`;
}

/** The chaos table in Markdown. */
export function formatTable(results: readonly ScenarioResult[]): string {
  const lines = [
    '| backend | scenario | jobs | lost | stuck | duplicates / in flight at faults | worker crashes | drain after last fault | notes |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const r of results) {
    const v = r.verdict;
    lines.push(
      `| ${r.backend} | ${r.scenario} | ${v.jobs.toLocaleString('en-US')} | ${v.lost} | ${v.stuck} | ${v.duplicates} / ${v.inFlightAtFaults} | ${v.crashes} | ${seconds(r.drainMs)} | ${r.notes.join('; ')} |`,
    );
  }
  return lines.join('\n');
}

/** The figure checks as a Markdown list. */
export function formatChecks(checks: readonly FigureCheck[]): string {
  return checks
    .map((c) => `- ${c.figure}: **${c.status}**${c.misses.length > 0 ? ` (${c.misses.join('; ')})` : ''}`)
    .join('\n');
}

/** Writes `<dir>/chaos-<stamp>.json` and `.md`; resolves with the Markdown path. */
export async function writeResults(
  dir: string,
  results: readonly ScenarioResult[],
  machine: Record<string, string>,
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const stamp = new Date()
    .toISOString()
    .replaceAll(':', '-')
    .replace(/\.\d+Z$/, 'Z');
  const checks = checkFigures(results);
  await writeFile(`${dir}/chaos-${stamp}.json`, `${JSON.stringify({ machine, results, checks }, null, 2)}\n`);
  const md = `${markdownReport(results, machine)}\n`;
  await writeFile(`${dir}/chaos-${stamp}.md`, md);
  return `${dir}/chaos-${stamp}.md`;
}

/** The table, the checks and the machine, as they go into the docs. */
export function markdownReport(results: readonly ScenarioResult[], machine: Record<string, string>): string {
  const about = Object.entries(machine)
    .map(([key, value]) => `${key} ${value}`)
    .join(', ');
  return `${formatTable(results)}\n\nFigures of the issue, as measured:\n\n${formatChecks(checkFigures(results))}\n\nMachine: ${about}.`;
}

const START = '<!-- chaos-table:start -->';
const END = '<!-- chaos-table:end -->';

/** Replaces what stands between the chaos-table markers of `docPath`. */
export async function replaceDocsTable(docPath: string, markdown: string): Promise<void> {
  const doc = await readFile(docPath, 'utf8');
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${docPath} has no ${START} … ${END} markers`);
  await writeFile(docPath, `${doc.slice(0, start + START.length)}\n${markdown}\n${doc.slice(end)}`);
}
