/** Turns a run into the JSON record and the Markdown table (Switchyard ÷ peer per scenario). */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { BenchResult, ContenderResult, ScenarioResult, SectionResult, TargetResult } from './results.ts';
import type { MetricSpec } from './section.ts';
import { pairedRatio, type Summary } from './stats.ts';
import { describeCheck, describeVerdict, TARGETS } from './targets.ts';

/** A figure with a sensible number of digits. */
export function formatNumber(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude >= 1000) return Math.round(value).toLocaleString('en-US');
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  if (magnitude >= 1 || magnitude === 0) return value.toFixed(2);
  return value.toPrecision(2);
}

/** "61,234 ±4%": the median and half the min–max range, relative to it. */
function formatSummary(summary: Summary): string {
  if (summary.samples.length < 2) return formatNumber(summary.median);
  return `${formatNumber(summary.median)} ±${Math.round((summary.spread / 2) * 100)}%`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function formatRatio(value: number | undefined): string {
  return value === undefined ? '–' : `${value.toFixed(2)}×`;
}

function cell(scenario: ScenarioResult, name: string, metric: MetricSpec): string {
  const contender = scenario.contenders.find((c) => c.name === name);
  const summary = contender?.summaries[metric.key];
  if (summary !== undefined) return formatSummary(summary);
  return scenario.notRun.some((n) => n.name === name) ? 'not run¹' : '–';
}

function samplesOf(contender: ContenderResult | undefined, key: string): number[] | undefined {
  return contender?.summaries[key]?.samples;
}

function targetCell(section: string, scenario: string, metric: string, targets: TargetResult[]): string {
  const target = targets.find((t) => t.section === section && t.scenario === scenario && t.metric === metric);
  if (target === undefined) return '';
  const spec = TARGETS.find((t) => t.id === target.id)!;
  const verdict = target.status === 'not run' ? 'not run' : describeVerdict(target);
  return `${describeCheck(spec)}: ${verdict}`;
}

function settingsLine(settings: Record<string, unknown>): string {
  return Object.entries(settings)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(', ');
}

function sectionMarkdown(section: SectionResult, targets: TargetResult[]): string[] {
  const peers = section.peers;
  const lines: string[] = [`### ${section.name} — Switchyard vs ${peers.join(', ')}`, ''];
  if (section.notRun !== undefined) {
    lines.push(`**Not run: ${section.notRun}**`, '');
    return lines;
  }
  if (section.environment !== undefined) lines.push(`Environment: ${settingsLine(section.environment)}`, '');
  const hasTargets = targets.some((t) => t.section === section.name && t.status !== 'not run');
  const header = ['Scenario', 'Metric', 'Switchyard', ...peers, ...peers.map((p) => `Switchyard ÷ ${p}`)];
  if (hasTargets) header.push('Target');
  lines.push(`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`);
  const footnotes: string[] = [];
  for (const scenario of section.scenarios) {
    const switchyard = scenario.contenders.find((c) => c.name === 'switchyard');
    for (const metric of scenario.metrics) {
      const arrow = metric.better === 'higher' ? '↑' : '↓';
      const mine = samplesOf(switchyard, metric.key);
      const row = [
        scenario.title,
        `${metric.label} ${arrow}`,
        cell(scenario, 'switchyard', metric),
        ...peers.map((peer) => cell(scenario, peer, metric)),
        ...peers.map((peer) =>
          formatRatio(
            mine === undefined
              ? undefined
              : pairedRatio(
                  mine,
                  samplesOf(
                    scenario.contenders.find((c) => c.name === peer),
                    metric.key,
                  ) ?? [],
                ),
          ),
        ),
      ];
      if (hasTargets) row.push(targetCell(section.name, scenario.id, metric.key, targets));
      lines.push(`| ${row.join(' | ')} |`);
    }
    for (const missing of scenario.notRun)
      footnotes.push(`${scenario.id} / ${missing.name}: ${missing.reason}`);
  }
  lines.push('');
  if (footnotes.length > 0) {
    lines.push('¹ Not run:', '');
    for (const note of footnotes) lines.push(`- ${note}`);
    lines.push('');
  }
  lines.push('<details><summary>Settings per scenario</summary>', '');
  for (const scenario of section.scenarios) {
    lines.push(
      `- \`${scenario.id}\` (${plural(scenario.rounds, 'round')}): ${settingsLine(scenario.settings)}${backgroundNote(scenario)}`,
    );
    for (const contender of scenario.contenders) {
      if (contender.settings) lines.push(`  - ${contender.name}: ${settingsLine(contender.settings)}`);
    }
  }
  lines.push('', '</details>', '');
  return lines;
}

/** How busy the machine was as the scenario's runs started, when the OS told. */
function backgroundNote(scenario: ScenarioResult): string {
  if (scenario.background === undefined) return '';
  const { busiestPercent, waitedMs } = scenario.background;
  const waited = waitedMs >= 1000 ? `, after waiting ${Math.round(waitedMs / 1000)} s for it to settle` : '';
  return `; machine at most ${busiestPercent} % busy as a run started${waited}`;
}

function targetsMarkdown(targets: TargetResult[]): string[] {
  const lines = ['| Required figure | Required | Measured | Result |', '|---|---|---|---|'];
  for (const target of targets) {
    const spec = TARGETS.find((t) => t.id === target.id)!;
    const format =
      spec.check.kind === 'ratio-at-least' || spec.check.kind === 'ratio-at-most'
        ? formatRatio
        : formatNumber;
    const spread =
      target.range === undefined || target.range[0] === target.range[1]
        ? ''
        : ` (rounds ${format(target.range[0])} – ${format(target.range[1])})`;
    const measured = target.measured === undefined ? '–' : `${format(target.measured)}${spread}`;
    const result = describeVerdict(target);
    lines.push(`| ${target.description} | ${describeCheck(spec)} | ${measured} | ${result} |`);
  }
  return lines;
}

/** The Markdown report: required figures first, then one table per section. */
export function renderMarkdown(result: BenchResult): string {
  const { machine } = result;
  const lines = [
    '## Latest results',
    '',
    `Run ${result.startedAt} · \`${result.command}\` (${result.mode}, ${plural(result.rounds, 'round')}; median ±half the min–max range) · ` +
      `${machine.cpus.count}× ${machine.cpus.model} · ${machine.memoryGiB} GiB · Node ${machine.node} · ${machine.platform}`,
    '',
    ...(result.mode === 'quick'
      ? [
          'This is a quick smoke run (smaller job counts, one round for the server sections): the figures are indicative, with more spread than a full `pnpm bench`.',
          '',
        ]
      : []),
    'Ratios are Switchyard ÷ peer, taken round by round (both ran seconds apart) and then the median: for ↑ metrics above 1× means Switchyard is faster, for ↓ metrics below 1× means it is faster.',
    '',
    '### Required figures',
    '',
    ...targetsMarkdown(result.targets),
    '',
  ];
  for (const section of result.sections) lines.push(...sectionMarkdown(section, result.targets));
  return `${lines.join('\n').trimEnd()}\n`;
}

/** File-name-safe timestamp, e.g. 2026-11-22T23-05-12Z. */
export function fileStamp(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}

/** Writes `<dir>/<timestamp>.json` and `<dir>/latest.md`; returns their paths. */
export async function writeReports(
  result: BenchResult,
  directory: URL,
): Promise<{ json: URL; markdown: URL }> {
  await mkdir(directory, { recursive: true });
  const json = new URL(`${fileStamp(result.startedAt)}.json`, directory);
  const markdown = new URL('latest.md', directory);
  await writeFile(json, `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(markdown, renderMarkdown(result));
  return { json, markdown };
}

const DOCS_START = '<!-- bench:latest:start -->';
const DOCS_END = '<!-- bench:latest:end -->';

/** Pure: `document` with the text between the bench markers replaced by `table`. */
export function replaceLatest(document: string, table: string): string {
  const start = document.indexOf(DOCS_START);
  const end = document.indexOf(DOCS_END);
  if (start < 0 || end < start)
    throw new Error(`the performance page lacks the ${DOCS_START} ... ${DOCS_END} markers`);
  return `${document.slice(0, start + DOCS_START.length)}\n\n${table.trimEnd()}\n\n${document.slice(end)}`;
}

/** Puts the latest table into `docs/performance.md` (between its bench markers). */
export async function updateDocs(result: BenchResult, file: URL): Promise<void> {
  const document = await readFile(file, 'utf8');
  await writeFile(file, replaceLatest(document, renderMarkdown(result)));
}
