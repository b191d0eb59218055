/**
 * The side-by-side table of `pnpm demo:swap`: one column per backend, one block
 * of rows per scenario step (outcome and time, then each job's final state,
 * attempts and result), a "same?" column, capability rows and notes. Pure.
 */
import type { BackendName } from './config.ts';
import { canonicalJson, shortJson } from './json-text.ts';
import type { ScenarioJob, ScenarioReport } from './scenario.ts';

/** One backend's run: a report, or why it could not run. */
export type BackendRun =
  | { backend: BackendName; report: ScenarioReport; unavailable?: undefined }
  | { backend: BackendName; report?: undefined; unavailable: string };

const MAX_CELL = 30;
const FIRST_COLUMN = 26;

/** A job cell: `completed ×3 {"courier":"flaky"…}`. */
export function jobCell(job: ScenarioJob | undefined): string {
  if (!job) return '—';
  const detail = job.state === 'failed' ? (job.error ?? '') : shortJson(job.result, 60);
  return `${job.state} ×${job.attempts}${detail ? ` ${detail}` : ''}`;
}

/** What must match across backends for a row to count as "same": state, attempts, result/error. */
function comparable(job: ScenarioJob | undefined): string {
  return job ? canonicalJson([job.state, job.attempts, job.result ?? null, job.error ?? null]) : 'none';
}

function fit(text: string, width: number): string {
  return text.length <= width ? text.padEnd(width) : `${text.slice(0, width - 1)}…`;
}

/** Renders the table and its footer (differences, notes, problems, unavailable backends). */
export function renderSwapTable(runs: BackendRun[]): string {
  const available = runs.filter(
    (run): run is BackendRun & { report: ScenarioReport } => run.report !== undefined,
  );
  const stepKeys = (available[0]?.report.steps ?? []).map((step) => step.key);
  const ran = runs.map((run) => run.report !== undefined);
  const rows: string[][] = [];
  const differences: string[] = [];
  const header = ['step / job', ...runs.map((run) => run.backend), 'same?'];

  for (const [index, key] of stepKeys.entries()) {
    const steps = runs.map((run) => run.report?.steps.find((step) => step.key === key));
    const outcomes = steps.map((step, column) => {
      const { unavailable } = runs[column]!;
      if (unavailable !== undefined) return index === 0 ? `unavailable: ${unavailable}` : '';
      return step ? `${step.outcome}${step.problems.length > 0 ? ' ✗' : ''}` : '—';
    });
    // Backends whose step carries a capability note may differ on this step by declaration.
    const declared = steps.map((step, column) => ran[column]! && step?.note !== undefined);
    const outcomeMark = sameMark(
      steps.map((step) => step?.outcome ?? ''),
      ran,
      declared,
    );
    rows.push([`${index + 1}. ${key}`, ...outcomes, outcomeMark]);
    rows.push([
      '   elapsed',
      ...steps.map((step, column) => (ran[column] && step ? `${step.elapsedMs} ms` : '')),
      '',
    ]);

    // Job rows: the n-th job of each task, matched across backends.
    for (const label of jobLabels(steps.map((step) => step?.jobs ?? []))) {
      const jobs = steps.map((step) => pickJob(step?.jobs ?? [], label));
      const rowLabel = `${label.task}${label.nth > 0 ? ` #${label.nth + 1}` : ''}`;
      const mark = sameMark(jobs.map(comparable), ran, declared);
      rows.push([`   ${rowLabel}`, ...jobs.map((job, column) => (ran[column] ? jobCell(job) : '')), mark]);
      if (mark === '≠')
        differences.push(`${index + 1}. ${key} / ${rowLabel}: ${describeDifference(runs, jobs)}`);
    }
  }

  rows.push([
    'total time',
    ...runs.map((run) => (run.report ? `${(run.report.totalMs / 1000).toFixed(1)} s` : '')),
    '',
  ]);
  rows.push(['', ...runs.map(() => ''), '']);
  const capability = (label: string, value: (report: ScenarioReport) => string) =>
    rows.push([label, ...runs.map((run) => (run.report ? value(run.report) : '')), '']);
  capability('capability: durable', (report) => String(report.capabilities.durable));
  capability('capability: ordering', (report) => report.capabilities.ordering);
  capability('capability: tx enqueue', (report) => String(report.capabilities.transactionalEnqueue));
  capability('capability: max delay', (report) =>
    Number.isFinite(report.capabilities.maxDelayMs) ? `${report.capabilities.maxDelayMs} ms` : 'unlimited',
  );
  capability('orders stored', (report) => report.ordersStore);

  const widths = header.map((cell, column) =>
    column === 0
      ? FIRST_COLUMN
      : Math.min(MAX_CELL, Math.max(cell.length, ...rows.map((row) => row[column]?.length ?? 0))),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => fit(cell, widths[column]!))
      .join(' │ ')
      .trimEnd();
  const out = [line(header), widths.map((width) => '─'.repeat(width)).join('─┼─')];
  for (const row of rows) out.push(line(row));

  const footer = differences.map((difference) => `≠ ${difference}`);
  for (const run of runs) {
    if (run.unavailable !== undefined) footer.push(`${run.backend}: unavailable: ${run.unavailable}`);
    for (const step of run.report?.steps ?? []) {
      if (step.note) footer.push(`${run.backend} / ${step.key}: ${step.note}`);
      for (const problem of step.problems) footer.push(`${run.backend} / ${step.key}: ✗ ${problem}`);
    }
  }
  footer.push(
    'same?: "=" final state, attempts, result and error agree on every backend that ran (timings differ by nature); ' +
      '"≠ declared" only a backend with a declared capability difference (see its note) differs; "≠" a real difference (listed above).',
  );
  return `${out.join('\n')}\n\n${footer.join('\n')}`;
}

/** Which of state, attempts, result, error differ, with each backend's value. */
function describeDifference(runs: BackendRun[], jobs: Array<ScenarioJob | undefined>): string {
  const fields = ['state', 'attempts', 'result', 'error'] as const;
  return fields
    .flatMap((field) => {
      const values = runs.flatMap((run, column) =>
        run.report ? [{ backend: run.backend, value: canonicalJson(jobs[column]?.[field] ?? null) }] : [],
      );
      if (values.every((entry) => entry.value === values[0]!.value)) return [];
      return [`${field}: ${values.map((entry) => `${entry.backend}=${entry.value}`).join(', ')}`];
    })
    .join('; ');
}

interface JobLabel {
  task: string;
  nth: number;
}

/** Every (task, n-th occurrence) seen on any backend, in first-seen order. */
function jobLabels(jobLists: ScenarioJob[][]): JobLabel[] {
  const labels: JobLabel[] = [];
  for (const jobs of jobLists) {
    const seen = new Map<string, number>();
    for (const job of sortedJobs(jobs)) {
      const nth = seen.get(job.task) ?? 0;
      seen.set(job.task, nth + 1);
      if (!labels.some((label) => label.task === job.task && label.nth === nth))
        labels.push({ task: job.task, nth });
    }
  }
  return labels;
}

/** Jobs of one task keep their order; different tasks are grouped by first appearance. */
function sortedJobs(jobs: ScenarioJob[]): ScenarioJob[] {
  const order = [...new Set(jobs.map((job) => job.task))];
  return [...jobs].sort((a, b) => order.indexOf(a.task) - order.indexOf(b.task));
}

function pickJob(jobs: ScenarioJob[], label: JobLabel): ScenarioJob | undefined {
  return sortedJobs(jobs).filter((job) => job.task === label.task)[label.nth];
}

/**
 * `=` when every backend that ran agrees; `≠ declared` when only backends with a
 * capability note differ; `≠` otherwise (a real behavioural difference).
 */
export function sameMark(values: string[], ran: boolean[], declared: boolean[]): string {
  const among = (keep: (column: number) => boolean) =>
    values.filter((_value, column) => ran[column] && keep(column));
  const all = among(() => true);
  if (all.length < 2) return '';
  const agree = (list: string[]) => list.every((value) => value === list[0]);
  if (agree(all)) return '=';
  return agree(among((column) => !declared[column]!)) ? '≠ declared' : '≠';
}
