/**
 * The dashboard on 100,000 jobs in PostgreSQL (pg-boss): how long the jobs view and the
 * overview take to become interactive in the browser, measured from navigation start
 * (`performance.now()` in the page) to the data on screen. Reported, not asserted as a
 * time limit (the machine is shared); what is asserted is that the views show the data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from './support/browser.ts';
import { type DashboardServer, startDashboardServer, TOKENS } from './support/dashboard-server.ts';

const JOBS = Number(process.env.DASHBOARD_PERF_JOBS ?? 100_000);
const BATCH = 2000;

describe(`dashboard on ${JOBS.toLocaleString('en-US')} pg-boss jobs`, () => {
  let server: DashboardServer;
  let browser: TestBrowser;
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    server = await startDashboardServer('pgboss', { worker: false });
    const started = Date.now();
    for (let done = 0; done < JOBS; done += BATCH) {
      const count = Math.min(BATCH, JOBS - done);
      await server.yard.enqueueMany(
        'archive-order',
        Array.from({ length: count }, (_, index) => ({ orderId: done + index })),
        { metadata: { tenant: done % 3 === 0 ? 'acme' : 'globex' } },
      );
    }
    timings.seedSeconds = Math.round((Date.now() - started) / 100) / 10;
    browser = await launchBrowser();
  }, 600_000);

  afterAll(async () => {
    console.log(
      `dashboard timings on ${JOBS} pg-boss jobs (ms from navigation start):`,
      JSON.stringify(timings),
    );
    await browser?.close();
    await server?.close();
  });

  it('shows the first page of jobs, the next page, and the overview', async () => {
    const page = await browser.newPage();
    await page.goto(server.dashboardUrl);
    await page.fill('#token', TOKENS.admin);
    await page.click('button[type=submit]');
    await page.waitForSelector('header.top');

    // Fresh loads (the token stays in the tab's session storage), timed inside the page.
    const timeView = async (hash: string, ready: () => boolean): Promise<number> => {
      await page.goto('about:blank');
      await page.goto(`${server.dashboardUrl}${hash}`);
      await page.waitForFunction(ready, undefined, { polling: 'raf', timeout: 30_000 });
      return Math.round(await page.evaluate(() => performance.now()));
    };
    const firstPageShown = () => document.querySelectorAll('table.jobs tbody tr').length === 50;
    timings.jobsView = await timeView('#/jobs', firstPageShown);
    timings.jobsViewFiltered = await timeView('#/jobs?state=pending&queue=parked', firstPageShown);
    timings.jobsViewMetadata = await timeView(
      '#/jobs?meta.tenant=acme',
      () => document.querySelectorAll('table.jobs tbody tr').length > 0,
    );
    const firstIds = await page.$$eval('table.jobs tbody tr', (rows) =>
      rows.map((row) => (row as HTMLElement).dataset.jobId),
    );

    await page.goto('about:blank');
    await page.goto(`${server.dashboardUrl}#/jobs`);
    await page.waitForFunction(firstPageShown);
    const before = await page.evaluate(() => performance.now());
    await page.click('button:has-text("Older")');
    await page.waitForFunction(() => location.hash.includes('cursor='));
    await page.waitForFunction(firstPageShown);
    timings.nextPage = Math.round((await page.evaluate(() => performance.now())) - before);

    timings.overview = await timeView('#/', () => {
      const row = [...document.querySelectorAll('tbody th a')].find((link) => link.textContent === 'parked');
      return Boolean(row && document.querySelector('.totals'));
    });
    const pending = await page.textContent('.total.state-pending .total-count');
    expect(pending?.replaceAll(',', '')).toBe(String(JOBS));
    expect(firstIds.length).toBeGreaterThan(0);
    await page.close();
  }, 180_000);
});
