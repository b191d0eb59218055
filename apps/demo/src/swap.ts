/**
 * `pnpm demo:swap`: the same scripted scenario on memory, BullMQ, pg-boss and SQS,
 * one after another, then one side-by-side table. A backend that cannot be
 * reached shows as "unavailable: <reason>" in its column instead of stopping the run.
 * Then every shop keeps serving, and the same dashboard is shown for each backend,
 * until Ctrl-C (`--no-serve` exits after the table).
 */

import { BackendUnavailableError } from './backends.ts';
import { BACKEND_NAMES, DEMO_TIMINGS, parseDemoSettings } from './config.ts';
import { type BackendRun, renderSwapTable } from './report-table.ts';
import { runScenarioOn } from './run.ts';
import { scenarioProblems } from './scenario.ts';
import type { Shop } from './shop.ts';

const { serve } = parseDemoSettings(process.argv.slice(2), {});
const runs: BackendRun[] = [];
const shops: Shop[] = [];
for (const backend of BACKEND_NAMES) {
  process.stdout.write(`▶ ${backend.padEnd(7)} `);
  try {
    const report = await runScenarioOn(backend, {
      timings: DEMO_TIMINGS,
      keepOpen: serve,
      onShopStarted: (shop) => {
        if (serve) shops.push(shop);
      },
      hooks: { onStepEnd: (step) => process.stdout.write(step.problems.length === 0 ? '·' : '✗') },
    });
    const problems = scenarioProblems(report);
    console.log(
      ` ${(report.totalMs / 1000).toFixed(1)} s, ${problems.length === 0 ? 'every step as expected' : `${problems.length} problem(s)`}`,
    );
    runs.push({ backend, report });
  } catch (error) {
    // Only "cannot reach / cannot load" is an unavailable backend; anything else is a bug worth a stack.
    const reason =
      error instanceof BackendUnavailableError
        ? error.message
        : `crashed: ${(error as Error).stack ?? error}`;
    console.log(` unavailable`);
    runs.push({ backend, unavailable: reason });
  }
}

console.log(`\n${renderSwapTable(runs)}`);
const failed = runs.some((run) => run.report && scenarioProblems(run.report).length > 0);
process.exitCode = failed ? 1 : 0;

if (shops.length > 0) {
  console.log('\nThe same dashboard on each backend:');
  for (const shop of shops) console.log(`  ${shop.backend.name.padEnd(7)} ${shop.dashboardUrl}`);
  console.log('Serving until Ctrl-C (--no-serve exits after the table).');
  const stop = async () => {
    for (const shop of shops) await shop.close().catch((error) => console.error(error));
    process.exit();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
