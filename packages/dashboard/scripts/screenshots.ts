/**
 * `pnpm --filter @switchyard/dashboard screenshots`: starts a real API with the built
 * dashboard on the memory backend, fills it with a small mix of jobs, and saves a
 * screenshot of every view (1280×800, light and dark, and a phone width) to docs/dashboard/.
 * Needs a build first (`pnpm build`) and Chromium (`/usr/bin/chromium` or CHROMIUM_PATH).
 */
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { launchBrowser } from '../test/support/browser.ts';
import { startDashboardServer, TOKENS } from '../test/support/dashboard-server.ts';
import { seedJobs } from '../test/support/seed.ts';

const outDir = fileURLToPath(new URL('../../../docs/dashboard/', import.meta.url));
await mkdir(outDir, { recursive: true });

const server = await startDashboardServer('memory');
const browser = await launchBrowser();
try {
  const { failedId } = await seedJobs(server);
  // A little history for the charts.
  for (let index = 0; index < 20; index += 1)
    await server.yard.enqueue('send-email', { to: `bulk${index}@example.com`, subject: 'News' });
  await new Promise((resolve) => setTimeout(resolve, 1500));

  const shoot = async (page: Page, hash: string, name: string, ready: string) => {
    await page.goto(`${server.dashboardUrl}${hash}`);
    await page.waitForSelector(ready);
    await page.waitForTimeout(400);
    await page.screenshot({ path: `${outDir}${name}.png`, fullPage: false });
    console.log(`docs/dashboard/${name}.png`);
  };
  const login = async (page: Page) => {
    await page.goto(server.dashboardUrl);
    await page.fill('#token', TOKENS.admin);
    await page.click('button[type=submit]');
    await page.waitForSelector('header.top');
  };

  const page = await browser.newPage({ width: 1280, height: 800 });
  await page.goto(server.dashboardUrl);
  await page.waitForSelector('#token');
  await page.screenshot({ path: `${outDir}login.png` });
  console.log('docs/dashboard/login.png');
  await login(page);
  await shoot(page, '#/', 'overview', '.totals');
  await shoot(page, '#/jobs', 'jobs', 'table.jobs tbody tr');
  await shoot(page, '#/jobs?state=failed', 'jobs-failed', 'table.jobs tbody tr');
  await shoot(page, `#/jobs/${failedId}`, 'job-detail', '.error-box');
  await shoot(page, '#/workers', 'workers', 'table');
  await shoot(page, '#/schedules', 'schedules', 'table');
  await shoot(page, '#/tasks', 'tasks', 'table');
  await shoot(page, '#/tasks/charge-card', 'task-enqueue', 'form.enqueue');
  await page.selectOption('header select', 'dark');
  await shoot(page, '#/', 'overview-dark', '.totals');
  await shoot(page, `#/jobs/${failedId}`, 'job-detail-dark', '.error-box');
  await page.selectOption('header select', 'system');

  // Session storage is per tab: the new tab signs in again.
  const phone = await browser.newPage({ width: 390, height: 844 });
  await login(phone);
  await shoot(phone, '#/', 'overview-phone', '.totals');
  await shoot(phone, '#/jobs', 'jobs-phone', 'table.jobs tbody tr');
} finally {
  await browser.close();
  await server.close();
}
