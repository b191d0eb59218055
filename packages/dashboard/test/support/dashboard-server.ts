/**
 * A real `@switchyard/http` server on loopback with the built dashboard mounted at
 * `/admin/jobs`, a yard on the chosen backend, tokens for each role, a worker on some
 * queues (and none on `parked`, so jobs wait there), and a cron schedule.
 */
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { createSwitchyard, defineTask, type Switchyard } from '@switchyard/core';
import { bearerTokens, createApi, hashToken } from '@switchyard/http';
import { z } from 'zod';
import { dashboardAssetsDir } from '../../src/index.ts';
import { type BackendName, openBackend } from './backends.ts';

/** The session cookies of the app-session mode (`sid=<value>`), by role. */
export const SESSIONS = { admin: 'session-of-ada', viewer: 'session-of-vic' } as const;

/** The app's own session check, as an app would plug it in: the cookie names the user. */
const sessionAuth = {
  kind: 'session' as const,
  authenticate(request: Request) {
    const sid = /(?:^|;\s*)sid=([^;]+)/.exec(request.headers.get('cookie') ?? '')?.[1];
    if (sid === SESSIONS.admin) return { name: 'ada', role: 'admin' as const };
    if (sid === SESSIONS.viewer) return { name: 'vic', role: 'viewer' as const };
    return null;
  },
};

/** The tokens of the three roles. */
export const TOKENS = {
  admin: 'sy_test_admin_token',
  operator: 'sy_test_operator_token',
  viewer: 'sy_test_viewer_token',
} as const;

/** Where the dashboard and the API are mounted. */
export const DASHBOARD_PATH = '/admin/jobs';
export const API_PATH = '/api';

/** Switches the test task `charge` between failing and succeeding. */
export interface TestControls {
  /** While true, `charge` throws `CardDeclinedError`. */
  chargeFails: boolean;
}

/** A running test server. */
export interface DashboardServer {
  yard: Switchyard;
  /** Base URL of the server, e.g. `http://127.0.0.1:4321`. */
  origin: string;
  /** The dashboard's URL. */
  dashboardUrl: string;
  controls: TestControls;
  close(): Promise<void>;
}

/** Builds the test tasks. */
export function testTasks(controls: TestControls) {
  const charge = defineTask({
    name: 'charge-card',
    queue: 'payments',
    schema: z.object({
      customer: z.string(),
      amount: z.number().positive(),
      currency: z.enum(['EUR', 'USD']).default('EUR'),
    }),
    retry: { attempts: 1 },
    handler: async (payload) => {
      if (controls.chargeFails) {
        const error = new Error(`card declined for ${payload.customer}`);
        error.name = 'CardDeclinedError';
        throw error;
      }
      return { charged: payload.amount, currency: payload.currency };
    },
  });
  const sendEmail = defineTask({
    name: 'send-email',
    queue: 'email',
    schema: z.object({ to: z.string(), subject: z.string(), urgent: z.boolean().optional() }),
    handler: async (payload) => ({ delivered: payload.to }),
  });
  const parked = defineTask({
    name: 'archive-order',
    queue: 'parked',
    schema: z.object({ orderId: z.number().int() }),
    handler: async () => 'archived',
  });
  const report = defineTask({
    name: 'sales-report',
    queue: 'reports',
    schema: z.object({ period: z.enum(['hourly', 'daily']) }),
    handler: async (payload) => ({ period: payload.period, total: 1234 }),
  });
  // A result of about 2 MB, to show that a huge value does not freeze the page.
  const exportData = defineTask({
    name: 'export-data',
    queue: 'reports',
    schema: z.object({ rows: z.number().int().positive() }),
    handler: async (payload) =>
      Array.from({ length: payload.rows }, (_, index) => ({ index, name: `row ${index}`, tags: ['a', 'b'] })),
  });
  return {
    charge,
    sendEmail,
    parked,
    report,
    exportData,
    all: [charge, sendEmail, parked, report, exportData],
  };
}

/** Starts the server on `backend`. */
export async function startDashboardServer(
  backend: BackendName,
  options: { worker?: boolean; authMode?: 'token' | 'session' } = {},
): Promise<DashboardServer> {
  if (!existsSync(join(dashboardAssetsDir, 'index.html'))) {
    throw new Error(`the dashboard is not built (${dashboardAssetsDir} has no index.html): run pnpm build`);
  }
  const opened = await openBackend(backend);
  const controls: TestControls = { chargeFails: false };
  const tasks = testTasks(controls);
  const yard = createSwitchyard({
    adapter: opened.adapter,
    tasks: tasks.all,
    history: { flushInterval: '200ms' },
  });
  await yard.start();
  await yard.schedules.upsert({
    key: 'nightly-report',
    task: tasks.report,
    cron: '0 3 * * *',
    tz: 'Europe/Paris',
    payload: { period: 'daily' },
  });
  if (options.worker !== false) {
    await yard
      .createWorker({
        queues: ['payments', 'email', 'reports'],
        concurrency: 4,
        leaseDuration: '5s',
        scheduler: false,
      })
      .start();
  }
  const api = createApi(yard, {
    auth:
      options.authMode === 'session'
        ? sessionAuth
        : bearerTokens([
            { name: 'ada', role: 'admin', tokenHash: hashToken(TOKENS.admin) },
            { name: 'olga', role: 'operator', tokenHash: hashToken(TOKENS.operator) },
            { name: 'vic', role: 'viewer', tokenHash: hashToken(TOKENS.viewer) },
          ]),
    basePath: API_PATH,
    rateLimit: false,
    dashboard: { path: DASHBOARD_PATH, assetsDir: dashboardAssetsDir },
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: api.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    yard,
    origin,
    dashboardUrl: `${origin}${DASHBOARD_PATH}/`,
    controls,
    async close() {
      await api.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      if ('closeAllConnections' in server) server.closeAllConnections();
      await closed;
      await yard.close();
      await opened.dispose();
    },
  };
}
