/**
 * `pnpm bench [--quick] [--rounds N] [--only memory,bullmq] [--scenarios id,id] [--docs]`
 *
 * Runs every selected scenario of every available section: each round calls
 * Switchyard and its peers one after another, in an order rotated per round,
 * then reports the median and spread of each figure. Writes
 * `bench/results/<timestamp>.json` and `bench/results/latest.md`, and prints
 * the Markdown.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { briefError } from './brief-error.ts';
import { describeMachine } from './machine.ts';
import { busiestRound, type Quietness, waitForQuiet } from './quiet-machine.ts';
import { renderMarkdown, updateDocs, writeReports } from './report.ts';
import type { BenchResult, ContenderResult, ScenarioResult, SectionResult } from './results.ts';
import type { BenchOptions, NotRun, Sample, Scenario, Section } from './section.ts';
import { loadSections } from './sections.ts';
import { roundOrder, summarize } from './stats.ts';
import { evaluateTargets } from './targets.ts';

const FULL_ROUNDS = 5;
const QUICK_ROUNDS = 3;
/** One contender run longer than this is abandoned and reported as not run. */
const RUN_TIMEOUT_MS = 5 * 60_000;

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

function collectGarbage(): void {
  // The bench script runs node with --expose-gc; without it, runs simply share the collector's timing.
  if (typeof globalThis.gc === 'function') globalThis.gc();
}

async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits for the machine to settle before a run; logs while it waits. */
function quietBefore(label: string): Promise<Quietness | undefined> {
  return waitForQuiet((share) => log(`${label}: waiting, the machine is ${Math.round(share * 100)} % busy`));
}

function describeSample(sample: Sample): string {
  return Object.entries(sample)
    .map(([key, value]) => `${key}=${value.toFixed(value >= 100 ? 0 : 2)}`)
    .join(' ');
}

/** Calls each contender once per round, in an order rotated per round. */
async function runAlternating(
  section: string,
  scenario: Scenario,
  rounds: number,
  samples: Map<string, Sample[]>,
  failures: Map<string, string>,
  quietness: Array<Quietness | undefined>,
): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    for (const contender of roundOrder(scenario.contenders, round)) {
      if (failures.has(contender.name)) continue;
      collectGarbage();
      const label = `[${section}] ${scenario.id} round ${round + 1}/${rounds} ${contender.name}`;
      quietness.push(await quietBefore(label));
      try {
        if (contender.run === undefined)
          throw new Error('contender has no run() and the scenario no runTogether()');
        const sample = await withTimeout(contender.run(), RUN_TIMEOUT_MS, label);
        log(`${label}: ${describeSample(sample)}`);
        samples.set(contender.name, [...(samples.get(contender.name) ?? []), sample]);
      } catch (error) {
        log(`${label}: FAILED ${error instanceof Error ? error.message : String(error)}`);
        failures.set(contender.name, `failed: ${briefError(error)}`);
      }
    }
  }
}

/** Lets a script that alternates its contenders itself run every round at once. */
async function runTogether(
  section: string,
  scenario: Scenario & Required<Pick<Scenario, 'runTogether'>>,
  rounds: number,
  samples: Map<string, Sample[]>,
  failures: Map<string, string>,
  quietness: Array<Quietness | undefined>,
): Promise<void> {
  const label = `[${section}] ${scenario.id} ${rounds} round${rounds === 1 ? '' : 's'}, all contenders`;
  quietness.push(await quietBefore(label));
  try {
    const byContender = await withTimeout(scenario.runTogether(rounds), RUN_TIMEOUT_MS * rounds, label);
    for (const contender of scenario.contenders) {
      const taken = byContender[contender.name];
      if (taken === undefined || taken.length === 0) {
        failures.set(contender.name, 'the script reported no figures for it');
        continue;
      }
      samples.set(contender.name, taken);
      log(`${label} ${contender.name}: ${taken.map(describeSample).join(' | ')}`);
    }
  } catch (error) {
    log(`${label}: FAILED ${error instanceof Error ? error.message : String(error)}`);
    for (const contender of scenario.contenders) failures.set(contender.name, `failed: ${briefError(error)}`);
  }
}

async function runScenario(
  section: string,
  scenario: Scenario,
  options: BenchOptions,
): Promise<ScenarioResult> {
  const rounds = scenario.rounds ?? options.rounds;
  const samples = new Map<string, Sample[]>();
  const failures = new Map<string, string>();
  const quietness: Array<Quietness | undefined> = [];
  const started = performance.now();
  if (scenario.runTogether) {
    const together = { ...scenario, runTogether: scenario.runTogether };
    await runTogether(section, together, rounds, samples, failures, quietness);
  } else {
    await runAlternating(section, scenario, rounds, samples, failures, quietness);
  }
  log(`[${section}] ${scenario.id} done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const contenders: ContenderResult[] = [];
  const notRun: NotRun[] = [...(scenario.notRun ?? [])];
  for (const contender of scenario.contenders) {
    const taken = samples.get(contender.name) ?? [];
    const failure = failures.get(contender.name);
    if (failure !== undefined) {
      notRun.push({ name: contender.name, reason: failure });
      continue;
    }
    const summaries: ContenderResult['summaries'] = {};
    for (const metric of scenario.metrics) {
      const values = taken
        .map((sample) => sample[metric.key])
        .filter((v): v is number => typeof v === 'number');
      if (values.length > 0) summaries[metric.key] = summarize(values);
    }
    contenders.push({
      name: contender.name,
      role: contender.role,
      ...(contender.settings ? { settings: contender.settings } : {}),
      summaries,
    });
  }
  return {
    id: scenario.id,
    title: scenario.title,
    settings: scenario.settings,
    metrics: scenario.metrics,
    rounds,
    contenders,
    notRun,
    ...withBackground(busiestRound(quietness)),
  };
}

function withBackground(busiest: Quietness | undefined): Pick<ScenarioResult, 'background'> {
  if (busiest === undefined) return {};
  return {
    background: {
      busiestPercent: Math.round(busiest.busyShare * 100),
      waitedMs: Math.round(busiest.waitedMs),
    },
  };
}

async function runSection(
  section: Section,
  options: BenchOptions,
  only: string[] | undefined,
): Promise<SectionResult> {
  const base = { name: section.name, peers: section.peers };
  let reason: string | undefined;
  try {
    reason = await section.availability();
  } catch (error) {
    reason = `availability check failed: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (reason !== undefined) {
    log(`[${section.name}] not run: ${reason}`);
    return { ...base, notRun: reason, scenarios: [] };
  }
  const environment = section.environment ? await section.environment() : undefined;
  const scenarios = (await section.scenarios(options)).filter(
    (s) => only === undefined || only.includes(s.id),
  );
  const results: ScenarioResult[] = [];
  try {
    for (const scenario of scenarios) results.push(await runScenario(section.name, scenario, options));
  } finally {
    await section.close?.();
  }
  return { ...base, ...(environment ? { environment } : {}), scenarios: results };
}

function list(value: string | undefined): string[] | undefined {
  return value === undefined
    ? undefined
    : value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);
}

const DOCS_PAGE = new URL('../../docs/performance.md', import.meta.url);

/**
 * `--render results/<file>.json`: rebuilds latest.md (and the docs table, for a
 * full run, or any run with `--docs`) from a saved run, re-checking the
 * targets, without measuring again.
 */
async function rerender(file: string, forceDocs: boolean): Promise<void> {
  const saved = JSON.parse(await readFile(file, 'utf8')) as BenchResult;
  const result: BenchResult = { ...saved, targets: evaluateTargets(saved.sections) };
  await writeFile(new URL('../results/latest.md', import.meta.url), renderMarkdown(result));
  process.stdout.write(renderMarkdown(result));
  if (forceDocs || (result.mode === 'full' && result.command === 'pnpm bench')) {
    await updateDocs(result, DOCS_PAGE);
    log(`updated ${DOCS_PAGE.pathname}`);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      only: { type: 'string' },
      scenarios: { type: 'string' },
      render: { type: 'string' },
      // Lets a quick or filtered run replace the documented table; the table then says which run it is.
      docs: { type: 'boolean', default: false },
    },
  });
  if (values.render !== undefined) return rerender(values.render, values.docs === true);
  const quick = values.quick === true;
  const rounds = values.rounds === undefined ? (quick ? QUICK_ROUNDS : FULL_ROUNDS) : Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new Error(`--rounds must be a positive integer, got ${values.rounds}`);
  const options: BenchOptions = { quick, rounds };
  const onlySections = list(values.only);
  const onlyScenarios = list(values.scenarios);

  const startedAt = new Date().toISOString();
  const sections: SectionResult[] = [];
  for (const section of await loadSections()) {
    if (onlySections !== undefined && !onlySections.includes(section.name)) continue;
    sections.push(await runSection(section, options, onlyScenarios));
  }
  const result: BenchResult = {
    startedAt,
    finishedAt: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    rounds,
    command: ['pnpm bench', ...process.argv.slice(2)].join(' '),
    machine: describeMachine(),
    sections,
    targets: evaluateTargets(sections),
  };
  const paths = await writeReports(result, new URL('../results/', import.meta.url));
  process.stdout.write(renderMarkdown(result));
  log(`\nwrote ${paths.json.pathname} and ${paths.markdown.pathname}`);
  // Only a complete, full-size run stands as the documented figures, unless --docs asks for this one.
  if (values.docs === true || (!quick && onlySections === undefined && onlyScenarios === undefined)) {
    await updateDocs(result, DOCS_PAGE);
    log(`updated ${DOCS_PAGE.pathname}`);
  }
}

await main();
