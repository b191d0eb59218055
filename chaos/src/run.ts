/**
 * `pnpm chaos`: every chaos scenario on every durable backend, one table.
 *
 *   pnpm chaos                         # the full run (see docs/reliability.md)
 *   pnpm chaos --quick                 # the small run the test suite makes
 *   pnpm chaos --only pgboss,sqs       # some backends
 *   pnpm chaos --scenarios outage,zombie   # scenarios whose name contains one of these
 *   pnpm chaos --docs                  # also replace the table in docs/reliability.md
 *
 * Prints progress on stderr and the table on stdout, writes chaos/results/chaos-<time>.{json,md},
 * and exits with 1 when a figure of the issue was missed.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BACKEND_NAMES, type BackendName } from './backends/index.ts';
import { machine, runChaos } from './chaos.ts';
import {
  checkFigures,
  formatChecks,
  formatTable,
  markdownReport,
  replaceDocsTable,
  writeResults,
} from './report.ts';
import { FULL, QUICK } from './scenarios.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    scenarios: { type: 'string' },
    docs: { type: 'boolean', default: false },
  },
});

const backends = values.only
  ? values.only.split(',').map((name) => {
      if (!BACKEND_NAMES.includes(name as BackendName))
        throw new Error(`unknown backend "${name}" (${BACKEND_NAMES.join(', ')})`);
      return name as BackendName;
    })
  : BACKEND_NAMES;
const filters = values.scenarios?.split(',').map((part) => part.trim().toLowerCase());
const scenarios = (values.quick ? QUICK : FULL).filter(
  (spec) =>
    !filters || filters.some((part) => spec.name.toLowerCase().includes(part) || spec.kind.includes(part)),
);

const results = await runChaos({
  backends,
  scenarios,
  progress: (line) => process.stderr.write(`${line}\n`),
});
const checks = checkFigures(results);
process.stdout.write(`\n${formatTable(results)}\n\n${formatChecks(checks)}\n`);
const written = await writeResults(fileURLToPath(new URL('../results', import.meta.url)), results, machine());
process.stderr.write(`written: ${written}\n`);
if (values.docs) {
  const doc = fileURLToPath(new URL('../../docs/reliability.md', import.meta.url));
  await replaceDocsTable(doc, markdownReport(results, machine()));
  process.stderr.write(`updated: ${doc}\n`);
}
process.exit(checks.some((check) => check.status === 'missed') ? 1 : 0);
