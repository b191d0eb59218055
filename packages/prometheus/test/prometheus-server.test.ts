/**
 * The real thing: Debian's Prometheus server scrapes a running worker's `/metrics`
 * on loopback while jobs run on BullMQ (Redis), and its HTTP API returns the counters.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConformanceAdapterModule } from '@switchyard/conformance';
import { createSwitchyard, defineTask, type Switchyard } from '@switchyard/core';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { metricsHandler, prometheusMetrics, registerQueueGauges } from '../src/index.js';
import { requireBinary } from './promtool.js';

const bullmqModuleUrl = new URL('../../adapter-bullmq/test/conformance-adapter.ts', import.meta.url).href;

const shipTask = defineTask({
  name: 'ship-order',
  queue: 'shipping',
  schema: z.object({ order: z.number() }),
  retry: { attempts: 2, backoff: { type: 'fixed', delay: 10 } },
});

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A port nobody listens on right now (Prometheus needs it on its command line). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Starts Prometheus scraping `target` every second, with its storage in a temp dir. */
async function startPrometheus(target: string): Promise<{ url: string; output: () => string }> {
  const binary = requireBinary('prometheus');
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-prometheus-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const config = join(dir, 'prometheus.yml');
  await writeFile(
    config,
    [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      'scrape_configs:',
      '  - job_name: switchyard-worker',
      '    static_configs:',
      `      - targets: ['${target}']`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const server: ChildProcess = spawn(
    binary,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  server.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  server.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        if (server.exitCode !== null) return resolve();
        server.once('exit', () => resolve());
        server.kill('SIGTERM');
      }),
  );
  return { url: `http://127.0.0.1:${port}`, output: () => output };
}

/** Polls Prometheus's query API until `query` returns `expected` (the sample arrives at the next scrape). */
async function waitForQuery(
  prometheus: { url: string; output: () => string },
  query: string,
  expected: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(query)}`);
      const body = (await response.json()) as {
        status: string;
        data?: { result: { value: [number, string] }[] };
      };
      const values = body.data?.result.map((r) => r.value[1]) ?? [];
      last = JSON.stringify(body);
      if (body.status === 'success' && values.length === 1 && values[0] === expected) return;
    } catch (error) {
      last = String(error); // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(
    `Prometheus never answered ${query} = ${expected}; last answer: ${last}\nserver output:\n${prometheus.output()}`,
  );
}

describe('a real Prometheus server', () => {
  it('scrapes a running worker on BullMQ and returns its counters and queue gauges', async () => {
    const adapterModule = (await import(bullmqModuleUrl)).default as ConformanceAdapterModule;
    const prefix = `sy${randomBytes(5).toString('hex')}`;
    const registry = new Registry();
    const yard: Switchyard = createSwitchyard({
      adapter: adapterModule.createAdapter({ prefix }),
      tasks: [shipTask],
      telemetry: { metrics: prometheusMetrics({ registry }) },
    });
    await yard.start();
    cleanups.push(() => adapterModule.cleanup?.({ prefix }));
    cleanups.push(() => yard.close());
    registerQueueGauges(registry, yard, { cacheFor: 0 });
    const worker = yard.createWorker({ queues: ['shipping'], concurrency: 5 });
    worker.handle(shipTask, ({ order }, ctx) => {
      if (order % 4 === 0 && ctx.attempt === 1) throw new Error('courier busy');
      return { shipped: order };
    });
    await worker.start();

    const http: Server = createServer(metricsHandler(registry));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => http.close(resolve)));
    const target = `127.0.0.1:${(http.address() as AddressInfo).port}`;
    const prometheus = await startPrometheus(target);

    const jobs = await yard.enqueueMany(
      shipTask,
      Array.from({ length: 12 }, (_, i) => ({ order: i + 1 })),
    );
    for (const { id } of jobs) {
      expect(await yard.jobs.waitFor(id, { timeout: '20s', pollInterval: 20 })).toMatchObject({
        state: 'completed',
      });
    }

    await waitForQuery(prometheus, 'up{job="switchyard-worker"}', '1');
    await waitForQuery(
      prometheus,
      'switchyard_jobs_enqueued_total{queue="shipping",task="ship-order"}',
      '12',
    );
    await waitForQuery(
      prometheus,
      'switchyard_jobs_completed_total{queue="shipping",task="ship-order"}',
      '12',
    );
    // Orders 4, 8 and 12 failed once each.
    await waitForQuery(prometheus, 'switchyard_jobs_retried_total{queue="shipping",task="ship-order"}', '3');
    await waitForQuery(prometheus, 'sum(switchyard_job_duration_seconds_count{queue="shipping"})', '12');
    await waitForQuery(prometheus, 'switchyard_queue_jobs{queue="shipping",state="completed"}', '12');
    // A PromQL the dashboard uses: p95 wait from the histogram buckets is a number, not NaN.
    const p95 = `histogram_quantile(0.95, sum by (le) (switchyard_job_wait_seconds_bucket{queue="shipping"})) >= 0`;
    const response = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(p95)}`);
    const body = (await response.json()) as { data: { result: { value: [number, string] }[] } };
    expect(body.data.result).toHaveLength(1);
    expect(Number(body.data.result[0]!.value[1])).toBeGreaterThanOrEqual(0);
  });
});
