/**
 * `pnpm demo`: the shop on one backend (QUEUE_BACKEND, default memory) with its
 * HTTP server, worker and scheduler in this process. It places a handful of
 * orders over HTTP by itself, prints each job's life as it happens, then prints
 * the dashboard's URL and keeps serving until Ctrl-C (`--no-serve` exits at once).
 */
import { DEMO_TIMINGS, parseDemoSettings } from './config.ts';
import { newNamespace } from './run.ts';
import { runScenario, scenarioProblems } from './scenario.ts';
import { startShop } from './shop.ts';
import { attachTimeline, formatOrderStatus, SUBJECT_WIDTH } from './timeline.ts';

const settings = parseDemoSettings(process.argv.slice(2), process.env);
const print = (line: string) => console.log(line);

let shop: Awaited<ReturnType<typeof startShop>>;
try {
  shop = await startShop({
    backend: settings.backend,
    timings: DEMO_TIMINGS,
    port: settings.port,
    namespace: newNamespace(),
    onOrderStatus: (orderId, status, needsAttention) =>
      print(formatOrderStatus(orderId, status, needsAttention, new Date())),
  });
} catch (error) {
  console.error(`The ${settings.backend} backend is unavailable: ${(error as Error).message}`);
  process.exit(1);
}

const { capabilities } = shop.yard.adapter;
print(`Switchyard shop on "${settings.backend}" at ${shop.url}`);
print(
  `  orders: ${shop.backend.orders.description}; durable: ${capabilities.durable}; ` +
    `ordering: ${capabilities.ordering}; transactional enqueue: ${capabilities.transactionalEnqueue}`,
);
print(
  '  POST /orders · GET /orders/:id · GET /jobs/:id · POST /orders/import · POST /reports/:period · GET /schedules · GET /metrics\n',
);
print(
  `${'time (UTC)'.padEnd(12)}  ${'task'.padEnd(20)} ${'about'.padEnd(SUBJECT_WIDTH)} ${'job'.padEnd(7)}  state`,
);
attachTimeline(shop.yard, print);

const report = await runScenario(
  {
    baseUrl: shop.url,
    backend: settings.backend,
    capabilities,
    ordersStore: shop.backend.orders.description,
  },
  {
    onStepStart: ({ index, title }) => print(`\n── step ${index + 1}: ${title}`),
    onStepEnd: (step) => {
      const verdict = step.problems.length === 0 ? 'as expected' : `UNEXPECTED: ${step.problems.join('; ')}`;
      print(`   ⇒ ${step.outcome} in ${step.elapsedMs} ms (${verdict})${step.note ? ` — ${step.note}` : ''}`);
    },
  },
);

const problems = scenarioProblems(report);
print(
  `\n${report.steps.length - new Set(problems.map((p) => p.split(':')[0])).size}/${report.steps.length} steps as expected ` +
    `on ${settings.backend} in ${(report.totalMs / 1000).toFixed(1)} s.`,
);
process.exitCode = problems.length === 0 ? 0 : 1;

if (settings.serve) {
  print(`\nDashboard: ${shop.dashboardUrl}  (REST API at ${shop.url}/api)`);
  print(
    `Still serving at ${shop.url} (try: curl -XPOST ${shop.url}/orders -H 'content-type: application/json' ` +
      `-d '{"customer":"you@example.com","amount":10,"payment":"card","premium":true}'). Ctrl-C to stop.`,
  );
  const stop = async () => {
    await shop.close();
    process.exit();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} else {
  await shop.close();
}
