/**
 * The Grafana dashboard in docs/observability/ may only query metrics this package
 * really exports, and every query must be valid PromQL (checked by promtool).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exportedMetrics } from '../src/index.js';
import { requireBinary } from './promtool.js';

const DASHBOARD = fileURLToPath(
  new URL('../../../docs/observability/switchyard-grafana-dashboard.json', import.meta.url),
);

interface Panel {
  title: string;
  type: string;
  targets?: { expr: string }[];
  panels?: Panel[];
}

async function dashboardQueries(): Promise<{ where: string; expr: string }[]> {
  const dashboard = JSON.parse(await readFile(DASHBOARD, 'utf8')) as {
    panels: Panel[];
    templating: { list: { name: string; query?: string | { query: string } }[] };
  };
  const queries: { where: string; expr: string }[] = [];
  const visit = (panel: Panel) => {
    for (const target of panel.targets ?? [])
      queries.push({ where: `panel "${panel.title}"`, expr: target.expr });
    for (const inner of panel.panels ?? []) visit(inner);
  };
  for (const panel of dashboard.panels) visit(panel);
  for (const variable of dashboard.templating.list) {
    const query = typeof variable.query === 'object' ? variable.query.query : variable.query;
    if (query?.includes('(')) queries.push({ where: `variable $${variable.name}`, expr: query });
  }
  return queries;
}

/** Metric families a query names: `switchyard_…`, with histogram series suffixes taken off. */
function familiesIn(expr: string): string[] {
  const histograms = [...exportedMetrics()]
    .filter(([, spec]) => spec.type === 'histogram')
    .map(([name]) => name);
  return [...expr.matchAll(/\bswitchyard_[a-z0-9_]+/g)].map(([name]) => {
    const base = name.replace(/_(bucket|sum|count)$/, '');
    return histograms.includes(base) ? base : name;
  });
}

/** A query with Grafana's variables (and its `label_values(selector, label)` helper) replaced, for promtool. */
function asPromql(expr: string): string {
  return expr
    .replace(/^label_values\((.*),\s*\w+\)$/, '$1')
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__range', '1h')
    .replaceAll('$queue', '.*');
}

describe('the Grafana dashboard', () => {
  it('names only metrics the package exports, in every query', async () => {
    const exported = new Set(exportedMetrics().keys());
    const queries = await dashboardQueries();
    expect(queries.length).toBeGreaterThan(10);
    for (const { where, expr } of queries) {
      const families = familiesIn(expr);
      expect(families, `${where} names no Switchyard metric: ${expr}`).not.toEqual([]);
      for (const family of families) expect(exported, `${where}: ${family}`).toContain(family);
    }
  });

  it('shows throughput, failures, queue depth, oldest pending age, duration and wait', async () => {
    const used = new Set((await dashboardQueries()).flatMap(({ expr }) => familiesIn(expr)));
    for (const family of [
      'switchyard_jobs_completed_total',
      'switchyard_jobs_failed_total',
      'switchyard_queue_jobs',
      'switchyard_queue_oldest_pending_seconds',
      'switchyard_job_duration_seconds',
      'switchyard_job_wait_seconds',
    ]) {
      expect(used).toContain(family);
    }
  });

  it('every query is valid PromQL (promtool check rules)', async () => {
    const promtool = requireBinary('promtool');
    const queries = await dashboardQueries();
    const dir = await mkdtemp(join(tmpdir(), 'switchyard-dashboard-'));
    try {
      const rules = [
        'groups:',
        '  - name: dashboard',
        '    rules:',
        ...queries.flatMap(({ expr }, index) => [
          `      - record: switchyard:dashboard_query_${index}`,
          `        expr: ${JSON.stringify(asPromql(expr))}`,
        ]),
      ];
      const file = join(dir, 'rules.yml');
      await writeFile(file, `${rules.join('\n')}\n`);
      const { code, output } = await new Promise<{ code: number | null; output: string }>(
        (resolve, reject) => {
          const child = spawn(promtool, ['check', 'rules', file], { stdio: ['ignore', 'pipe', 'pipe'] });
          let output = '';
          child.stdout.on('data', (chunk: Buffer) => {
            output += chunk.toString();
          });
          child.stderr.on('data', (chunk: Buffer) => {
            output += chunk.toString();
          });
          child.on('error', reject);
          child.on('close', (code) => resolve({ code, output }));
        },
      );
      expect(code, output).toBe(0);
      expect(output).toContain(`SUCCESS: ${queries.length} rules found`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
