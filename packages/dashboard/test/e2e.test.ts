/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against a
 * real `@switchyard/http` server on loopback, on memory, pg-boss and BullMQ: sign in, live
 * updates, filters, a failed job's stack, retry, bulk cancel, pause, run a schedule now,
 * the viewer role, and axe-core on every view.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackendName } from './support/backends.ts';
import { launchBrowser, seriousViolations, type TestBrowser } from './support/browser.ts';
import {
  API_PATH,
  type DashboardServer,
  SESSIONS,
  startDashboardServer,
  TOKENS,
} from './support/dashboard-server.ts';

const BACKENDS: BackendName[] = ['memory', 'pgboss', 'bullmq'];
/** Button labels that change something; a viewer must see none of them. */
const WRITE_LABELS =
  /^(Retry|Cancel|Remove|Pause|Resume|Run now|Enqueue|Retry all|Retry selected|Cancel selected|Remove selected|All matching)/;

let browser: TestBrowser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

async function signIn(page: Page, server: DashboardServer, token: string): Promise<void> {
  await page.goto(server.dashboardUrl);
  await page.fill('#token', token);
  await page.click('button[type=submit]');
  await page.waitForSelector('header.top');
}

/** Goes to a view by hash and waits for the event stream to be live. */
async function open(page: Page, hash: string, ready: string): Promise<void> {
  await page.evaluate((target) => {
    location.hash = target;
  }, hash);
  await page.waitForSelector(ready);
}

it('the accessibility check finds a planted violation (it can fail)', async () => {
  const blank = await browser.newPage();
  try {
    await blank.setContent(
      '<!doctype html><html lang="en"><head><title>t</title></head><body><main><img src="data:,"><button></button></main></body></html>',
    );
    const ids = (await seriousViolations(blank)).map((violation) => violation.id);
    expect(ids).toEqual(expect.arrayContaining(['image-alt', 'button-name']));
  } finally {
    await blank.close();
  }
});

describe.each(BACKENDS)('dashboard on %s', (backend) => {
  let server: DashboardServer;
  let page: Page;
  beforeAll(async () => {
    server = await startDashboardServer(backend);
    page = await browser.newPage();
    await signIn(page, server, TOKENS.admin);
  });
  afterAll(async () => {
    await page?.close();
    await server?.close();
  });

  it('refuses a wrong token, then signs in and keeps the token for the tab only', async () => {
    const fresh = await browser.newPage();
    try {
      await fresh.goto(server.dashboardUrl);
      await fresh.fill('#token', 'sy_wrong_token');
      await fresh.click('button[type=submit]');
      await expect(fresh.textContent('[role=alert]')).resolves.toMatch(/not accepted/);
      await fresh.fill('#token', TOKENS.admin);
      await fresh.click('button[type=submit]');
      await fresh.waitForSelector('header.top');
      await expect(fresh.textContent('.who')).resolves.toContain('ada');
      expect(await fresh.evaluate(() => Object.values(sessionStorage))).toContain(TOKENS.admin);
      expect(await fresh.evaluate(() => Object.values(localStorage))).not.toContain(TOKENS.admin);
    } finally {
      await fresh.close();
    }
  });

  it('shows a new job live and changes its state in place', async () => {
    await open(page, '#/jobs', 'table.jobs');
    await page.waitForSelector('.live.live');
    const { id } = await server.yard.enqueue('send-email', { to: 'live@example.com', subject: 'Hi' });
    await page.waitForSelector(`tr[data-job-id="${id}"]`, { timeout: 15_000 });
    await page.waitForSelector(`tr[data-job-id="${id}"][data-state="completed"]`, { timeout: 15_000 });
    // Without a reload: the page's own navigation count did not change.
    expect(await page.evaluate(() => performance.getEntriesByType('navigation').length)).toBe(1);
  });

  it('filters by state, queue and metadata through the URL', async () => {
    await server.yard.enqueue(
      'send-email',
      { to: 'a@example.com', subject: 'x' },
      { metadata: { tenant: 'acme' } },
    );
    await server.yard.enqueue(
      'send-email',
      { to: 'b@example.com', subject: 'x' },
      { metadata: { tenant: 'globex' } },
    );
    const parked = await server.yard.enqueue(
      'archive-order',
      { orderId: 1 },
      { metadata: { tenant: 'acme' } },
    );
    await open(page, '#/jobs', 'table.jobs');
    await page.check('input[name=state][value=pending]');
    await page.fill('input[name=queue]', 'parked');
    await page.click('text=+ Metadata filter');
    await page.fill('#meta-key-0', 'tenant');
    await page.fill('#meta-value-0', 'acme');
    // The unfiltered list already shows the parked job: wait for the filtered page itself, or the
    // rows read below could be the old list's, or none while the filtered one loads.
    const filteredPage = page.waitForResponse(
      (response) =>
        new URL(response.url()).searchParams.get('metadata') === JSON.stringify({ tenant: 'acme' }),
    );
    await page.click('text=Apply filters');
    await page.waitForFunction(() => location.hash.includes('meta.tenant=acme'));
    expect(await page.evaluate(() => location.hash)).toMatch(/state=pending.*queue=parked/);
    await filteredPage;
    await page.waitForSelector(`tr[data-job-id="${parked.id}"]`);
    await page.waitForSelector('.table-wrap[aria-busy=false]');
    const states = await page.$$eval('table.jobs tbody tr', (rows) =>
      rows.map((row) => (row as HTMLElement).dataset.state),
    );
    expect(new Set(states)).toEqual(new Set(['pending']));
    // The deep link opens the same filtered list in a fresh load.
    const link = page.url();
    await page.goto('about:blank');
    await page.goto(link);
    await page.waitForSelector(`tr[data-job-id="${parked.id}"]`);
    await expect(page.inputValue('#meta-value-0')).resolves.toBe('acme');
    await server.yard.jobs.remove(parked.id);
  });

  it('opens a failed job, shows its stack, retries it and watches it complete', async () => {
    server.controls.chargeFails = true;
    const { id } = await server.yard.enqueue('charge-card', {
      customer: 'ada@example.com',
      amount: 42,
      currency: 'EUR',
    });
    await server.yard.jobs.waitFor(id, { timeout: 15_000 });
    await open(page, '#/jobs?state=failed', `tr[data-job-id="${id}"]`);
    await page.click(`tr[data-job-id="${id}"] a`);
    await page.waitForSelector('.error-box');
    await expect(page.textContent('.error-box')).resolves.toContain(
      'CardDeclinedError: card declined for ada@example.com',
    );
    await expect(page.textContent('pre.stack')).resolves.toMatch(/\n\s+at /);
    server.controls.chargeFails = false;
    await page.click('main button:has-text("Retry")');
    await page.waitForSelector('h1 .badge.state-completed', { timeout: 15_000 });
    expect((await server.yard.jobs.get(id))?.state).toBe('completed');
  });

  it('cancels 100 selected jobs after a confirmation', async () => {
    const jobs = await server.yard.enqueueMany(
      'archive-order',
      Array.from({ length: 100 }, (_, index) => ({ orderId: 1000 + index })),
      { metadata: { batch: 'b100' } },
    );
    await open(page, '#/jobs?queue=parked&meta.batch=b100&limit=100', 'table.jobs tbody tr');
    await page.waitForFunction(() => document.querySelectorAll('table.jobs tbody tr').length === 100);
    await page.check('input[aria-label="Select every job on this page"]');
    await page.click('button:has-text("Cancel selected")');
    await page.waitForSelector('dialog.confirm[open]');
    await page.click('dialog.confirm button.danger');
    await page.waitForSelector('.toast:has-text("Cancelled 100 jobs")', { timeout: 30_000 });
    const page1 = await server.yard.jobs.list({ queue: 'parked', metadata: { batch: 'b100' }, limit: 1000 });
    expect(page1.jobs.filter((job) => job.state === 'cancelled')).toHaveLength(jobs.length);
  });

  it('pauses and resumes a queue from the overview', async () => {
    await server.yard.enqueue('archive-order', { orderId: 7 });
    await open(page, '#/', '.totals');
    const row = page.locator('tr', { has: page.locator('th a', { hasText: /^parked$/ }) });
    await row.locator('button:has-text("Pause")').click();
    await page.click('dialog.confirm button.danger');
    await row.locator('.badge.paused').waitFor();
    expect(await server.yard.queues.isPaused('parked')).toBe(true);
    await row.locator('button:has-text("Resume")').click();
    await row.locator('.badge.paused').waitFor({ state: 'detached' });
    expect(await server.yard.queues.isPaused('parked')).toBe(false);
  });

  it('runs a schedule now and lands on the job it enqueued', async () => {
    await open(page, '#/schedules', 'tr[data-schedule="nightly-report"]');
    await page.click('tr[data-schedule="nightly-report"] button:has-text("Run now")');
    await page.waitForFunction(() => location.hash.startsWith('#/jobs/'));
    const id = decodeURIComponent((await page.evaluate(() => location.hash)).slice('#/jobs/'.length));
    await page.waitForSelector('h1:has-text("sales-report")');
    const job = await server.yard.jobs.get(id);
    expect(job?.metadata.scheduleKey).toBe('nightly-report');
  });

  it("enqueues from the form generated from the task schema, and shows the API's validation problems", async () => {
    const operator = await browser.newPage();
    try {
      await signIn(operator, server, TOKENS.operator);
      await open(operator, '#/tasks/charge-card', 'form.enqueue');
      await operator.fill('#field-customer', 'grace@example.com');
      await operator.fill('#field-amount', '-5');
      await operator.selectOption('#field-currency', '"USD"');
      await operator.click('form.enqueue button[type=submit]');
      await expect(operator.textContent('form.enqueue [role=alert]')).resolves.toMatch(/amount/);
      await operator.fill('#field-amount', '12.5');
      await operator.click('form.enqueue button[type=submit]');
      const link = await operator.waitForSelector('form.enqueue [role=status] a');
      const id = (await link.textContent())!.trim();
      const job = await server.yard.jobs.get(id);
      expect(job?.payload).toEqual({ customer: 'grace@example.com', amount: 12.5, currency: 'USD' });
    } finally {
      await operator.close();
    }
  });

  it('shows a 2 MB result cut, with "Load all", without freezing the page', async () => {
    const { id } = await server.yard.enqueue('export-data', { rows: 30_000 });
    const done = await server.yard.jobs.waitFor(id, { timeout: 15_000 });
    expect(done.state).toBe('completed');
    await open(page, `#/jobs/${id}`, 'section[aria-label=Result] pre.json-text');
    const shown = await page.textContent('section[aria-label=Result] pre.json-text');
    expect(shown!.length).toBe(20_000);
    await page.click('section[aria-label=Result] button:has-text("Load all")');
    await page.waitForFunction(
      () =>
        (document.querySelector('section[aria-label=Result] pre.json-text')?.textContent?.length ?? 0) >
        1_000_000,
    );
    // Still responsive: a click on the nav is handled at once.
    const started = Date.now();
    await page.click('nav.views a:has-text("Workers")');
    await page.waitForSelector('main h1:has-text("Workers")');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('has no serious or critical accessibility violations on any view, in both themes', async () => {
    const failed = (await server.yard.jobs.list({ state: 'failed', limit: 1 })).jobs[0];
    const views = [
      '#/',
      '#/jobs',
      `#/jobs/${failed?.id ?? 'missing'}`,
      '#/workers',
      '#/schedules',
      '#/tasks',
      '#/tasks/charge-card',
    ];
    for (const theme of ['light', 'dark']) {
      await page.selectOption('header select', theme);
      for (const view of views) {
        await open(page, view, 'main h1');
        // The event stream keeps the network busy: wait for the view's data instead of network idle.
        await page.waitForFunction(
          () =>
            !document.querySelector('[aria-busy=true]') && !document.body.textContent?.includes('Loading…'),
        );
        await page.waitForTimeout(200);
        expect({ view, theme, violations: await seriousViolations(page) }).toEqual({
          view,
          theme,
          violations: [],
        });
      }
    }
    await page.selectOption('header select', 'system');
    const login = await browser.newPage();
    await login.goto(server.dashboardUrl);
    await login.waitForSelector('#token');
    expect(await seriousViolations(login)).toEqual([]);
    await login.close();
  }, 120_000);

  it('fits a phone width: no view scrolls sideways (wide tables scroll in their own box)', async () => {
    const phone = await browser.newPage({ width: 390, height: 844 });
    try {
      await signIn(phone, server, TOKENS.admin);
      for (const view of ['#/', '#/jobs', '#/workers', '#/schedules', '#/tasks', '#/tasks/charge-card']) {
        await open(phone, view, 'main h1');
        await phone.waitForTimeout(200);
        const width = await phone.evaluate(() => document.documentElement.scrollWidth);
        expect({ view, width }).toEqual({ view, width: 390 });
      }
    } finally {
      await phone.close();
    }
  });

  it('shows a viewer no write control, and the API refuses a forged write', async () => {
    const viewer = await browser.newPage();
    try {
      await signIn(viewer, server, TOKENS.viewer);
      await expect(viewer.textContent('.who')).resolves.toContain('viewer');
      const failed = (await server.yard.jobs.list({ state: 'failed', limit: 1 })).jobs[0];
      for (const view of [
        '#/',
        '#/jobs',
        `#/jobs/${failed?.id}`,
        '#/workers',
        '#/schedules',
        '#/tasks',
        '#/tasks/charge-card',
      ]) {
        await open(viewer, view, 'main h1');
        await viewer.waitForTimeout(300);
        const labels = await viewer.$$eval('main button, main summary', (elements) =>
          elements.map((element) => element.textContent?.trim() ?? ''),
        );
        expect({ view, writes: labels.filter((label) => WRITE_LABELS.test(label)) }).toEqual({
          view,
          writes: [],
        });
        expect(await viewer.$$('main input[type=checkbox][aria-label^="Select"]')).toHaveLength(0);
      }
      const status = await viewer.evaluate(
        async ({ path, token }) =>
          (
            await fetch(`${path}/queues/parked/pause`, {
              method: 'POST',
              headers: { authorization: `Bearer ${token}` },
            })
          ).status,
        { path: API_PATH, token: TOKENS.viewer },
      );
      expect(status).toBe(403);
      expect(await server.yard.queues.isPaused('parked')).toBe(false);
    } finally {
      await viewer.close();
    }
  });
});

describe("dashboard under the app's own sessions (memory)", () => {
  let server: DashboardServer;
  beforeAll(async () => {
    server = await startDashboardServer('memory', { authMode: 'session' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('shows no login screen: the session cookie authenticates every call, the event stream too', async () => {
    const origin = new URL(server.origin);
    await browser.context.addCookies([
      { name: 'sid', value: SESSIONS.admin, domain: origin.hostname, path: '/' },
    ]);
    const page = await browser.newPage();
    try {
      await page.goto(server.dashboardUrl);
      await page.waitForSelector('.totals');
      expect(await page.$('#token')).toBeNull();
      await page.waitForSelector('.live.live');
      await page.evaluate(() => {
        location.hash = '#/jobs';
      });
      await page.waitForSelector('table.jobs');
      const { id } = await server.yard.enqueue('send-email', { to: 'session@example.com', subject: 'Hi' });
      await page.waitForSelector(`tr[data-job-id="${id}"]`, { timeout: 15_000 });
    } finally {
      await page.close();
      await browser.context.clearCookies();
    }
  });

  it('without a session it says to sign in to the application', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(server.dashboardUrl);
      await expect(page.textContent('[role=alert]')).resolves.toMatch(/not signed in to the application/);
      expect(await page.$('#token')).toBeNull();
    } finally {
      await page.close();
    }
  });
});
