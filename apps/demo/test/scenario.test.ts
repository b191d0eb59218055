import { describe, expect, it } from 'vitest';
import { BACKEND_NAMES, DEMO_TIMINGS } from '../src/config.ts';
import { runScenarioOn } from '../src/run.ts';
import { NEWSLETTER_EXPECTED_ORDER, scenarioProblems } from '../src/scenario.ts';
import type { Shop } from '../src/shop.ts';

// The scripted scenario on every backend, on real services: Redis (REDIS_URL) for BullMQ and the
// SQS job-state store, PostgreSQL (DATABASE_URL) for pg-boss, fauxqs in-process for SQS (or SQS_ENDPOINT).
// An unreachable service fails the run with BackendUnavailableError naming the variable to set.
describe.each(BACKEND_NAMES)('the demo scenario on %s', (backend) => {
  it('every step behaves as specified, and the dashboard shows the yard afterwards', async () => {
    let shop: Shop | undefined;
    const report = await runScenarioOn(backend, {
      timings: DEMO_TIMINGS,
      keepOpen: true,
      onShopStarted: (started) => {
        shop = started;
      },
    }).finally(async () => {
      // The dashboard and the API it calls, on the same server as the shop (what `pnpm demo` prints).
      if (!shop) return;
      try {
        const page = await fetch(shop.dashboardUrl);
        expect(page.status).toBe(200);
        expect(await page.text()).toContain(
          'window.__SWITCHYARD_DASHBOARD__={"apiBaseUrl":"/api","basePath":"/dashboard"',
        );
        const stats = (await (await fetch(`${shop.url}/api/stats`)).json()) as {
          totals: { counts: { completed: number } };
        };
        expect(stats.totals.counts.completed).toBeGreaterThan(10);
      } finally {
        await shop.close();
      }
    });
    expect(scenarioProblems(report)).toEqual([]);
    expect(report.steps.map((step) => [step.key, step.outcome.split(' ')[0]])).toEqual([
      ['paid-delivered', 'DELIVERED'],
      ['delivery-retried', 'DELIVERED'],
      ['delivery-exhausted', 'PARTIAL'],
      ['card-declined', 'PAYMENT_FAILED'],
      ['unpaid-expired', 'EXPIRED'],
      ['bulk-import', '5/5'],
      ['reports', '3'],
      ['priority-order', expect.any(String)],
    ]);
    const retried = report.steps.find((step) => step.key === 'delivery-retried')!;
    expect(retried.jobs.find((job) => job.task === 'deliver-premium')).toMatchObject({
      state: 'completed',
      attempts: 3,
    });
    const ordering = report.steps.find((step) => step.key === 'priority-order')!;
    if (report.capabilities.ordering === 'strict') {
      expect(ordering.outcome).toBe(NEWSLETTER_EXPECTED_ORDER.map((to) => to.split('@')[0]).join('→'));
      expect(ordering.note).toBeUndefined();
    } else {
      expect(ordering.note).toMatch(/best-effort/);
    }
  });
});
