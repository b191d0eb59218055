/**
 * The whole shop in one process: yard, worker, scheduler and HTTP server on one backend.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createSwitchyard, type Logger, type Switchyard } from '@switchyard/core';
import { dashboardAssetsDir } from '@switchyard/dashboard';
import { type Authenticator, createApi } from '@switchyard/http';
import { metricsFetchHandler, prometheusMetrics, registerQueueGauges } from '@switchyard/prometheus';
import { Registry } from 'prom-client';
import { type Backend, openBackend } from './backends.ts';
import type { BackendName, ShopTimings } from './config.ts';
import { createHttpApp } from './http.ts';
import { type OrderStatusListener, withStatusEvents } from './orders.ts';
import { createShopTasks, type ShopTasks, shopSchedules } from './tasks.ts';

/** A running shop. */
export interface Shop {
  backend: Backend;
  yard: Switchyard;
  tasks: ShopTasks;
  /** Base URL of the shop's HTTP API, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** The Switchyard dashboard of this shop's yard (`@switchyard/dashboard`, served by `@switchyard/http`). */
  dashboardUrl: string;
  /** Stops the server, the workers and the yard, then cleans up the backend. */
  close(): Promise<void>;
}

/** Options of `startShop`. */
export interface ShopOptions {
  backend: BackendName;
  timings: ShopTimings;
  /** HTTP port; 0 picks a free one. */
  port?: number;
  /** Isolates this run's keys/schemas/queues on shared servers. */
  namespace: string;
  /** Where Switchyard's own warnings and errors go. */
  logger?: Logger;
  /** Told about every order status the shop writes. */
  onOrderStatus?: OrderStatusListener;
}

/**
 * Prints Switchyard's warnings and errors on one line each. Lines about a single job
 * are left out: the timeline already shows every failure as it happens.
 */
export const consoleLogger: Logger = {
  debug() {},
  info() {},
  warn: (obj, msg) => logLine('warning', obj, msg),
  error: (obj, msg) => logLine('error', obj, msg),
};

function logLine(level: string, obj: object, msg: string | undefined): void {
  const fields = obj as { jobId?: string; err?: { message?: string } };
  if (fields.jobId !== undefined) return;
  console.error(
    `  ! switchyard ${level}: ${msg ?? ''}${fields.err?.message ? ` (${fields.err.message})` : ''}`,
  );
}

/**
 * Who may use the demo's API and dashboard: anyone on this machine, as admin (the server
 * listens on loopback only); no login, like an app's own session. A real app passes
 * `bearerTokens([...])` or its own authenticator.
 */
const loopbackAdmin: Authenticator = {
  kind: 'session',
  authenticate: (_request, context) => {
    const address = context.node?.req.socket.remoteAddress ?? '';
    return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1'
      ? { name: 'demo (this machine)', role: 'admin' }
      : null;
  },
};

/** Opens the backend and starts everything. Throws `BackendUnavailableError` when the backend cannot be reached. */
export async function startShop(options: ShopOptions): Promise<Shop> {
  const opened = await openBackend(options.backend, options.namespace);
  const backend = options.onOrderStatus
    ? { ...opened, orders: withStatusEvents(opened.orders, options.onOrderStatus) }
    : opened;
  let yard: Switchyard | undefined;
  const tasks = createShopTasks({ orders: backend.orders, timings: options.timings, yard: () => yard! });
  // Prometheus metrics of this process, plus queue gauges read from the backend, at GET /metrics.
  const registry = new Registry();
  yard = createSwitchyard({
    adapter: backend.adapter,
    tasks: tasks.all,
    logger: options.logger ?? consoleLogger,
    telemetry: { metrics: prometheusMetrics({ registry }) },
  });
  try {
    await yard.start();
    registerQueueGauges(registry, yard, { logger: options.logger ?? consoleLogger });
    for (const schedule of shopSchedules(tasks, options.timings)) await yard.schedules.upsert(schedule);
    // Newsletters get their own one-at-a-time worker, so the queue's priority order is visible.
    await yard
      .createWorker({
        queues: ['finance', 'default', 'email', 'reports'],
        concurrency: 8,
        leaseDuration: '10s',
        schedulerInterval: options.timings.schedulerInterval,
      })
      .start();
    await yard
      .createWorker({ queues: [tasks.sendNewsletter.queue], concurrency: 1, scheduler: false })
      .start();
  } catch (error) {
    await yard.close();
    await backend.orders.close();
    await backend.dispose();
    throw error;
  }

  const app = createHttpApp({ yard, orders: backend.orders, tasks, timings: options.timings });
  app.get('/metrics', metricsFetchHandler(registry));
  // Switchyard's REST API at /api and its dashboard at /dashboard, beside the shop's routes.
  const ops = createApi(yard, {
    auth: loopbackAdmin,
    basePath: '/api',
    dashboard: { path: '/dashboard', assetsDir: dashboardAssetsDir },
    logger: options.logger ?? consoleLogger,
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve(
      {
        fetch: (request, env) =>
          ops.handles(new URL(request.url).pathname) ? ops.fetch(request, env) : app.fetch(request, env),
        port: options.port ?? 0,
        hostname: '127.0.0.1',
      },
      () => resolve(started),
    );
  });
  const { port } = server.address() as AddressInfo;
  const openYard = yard;
  return {
    backend,
    yard: openYard,
    tasks,
    url: `http://127.0.0.1:${port}`,
    dashboardUrl: `http://127.0.0.1:${port}/dashboard/`,
    async close() {
      await ops.close();
      const closed = new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
      // Idle keep-alive sockets would hold `close` open for seconds.
      if ('closeAllConnections' in server) server.closeAllConnections();
      await closed;
      await openYard.close();
      await backend.orders.close();
      await backend.dispose();
    },
  };
}
