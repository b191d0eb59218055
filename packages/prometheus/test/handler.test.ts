import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Gauge, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { metricsFetchHandler, metricsHandler, prometheusMetrics } from '../src/index.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function serve(registry: Registry): Promise<string> {
  const server = createServer(metricsHandler(registry));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
}

function registryWithCounts(): Registry {
  const registry = new Registry();
  prometheusMetrics({ registry }).increment('jobs_completed_total', { queue: 'q', task: 't' });
  return registry;
}

describe('metricsHandler (node:http)', () => {
  it('answers GET with the text format and its content type', async () => {
    const response = await fetch(await serve(registryWithCounts()));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await response.text()).toContain('switchyard_jobs_completed_total{queue="q",task="t"} 1');
  });

  it('answers HEAD without a body and refuses other methods with 405', async () => {
    const url = await serve(registryWithCounts());
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await fetch(url, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it("a collector that throws (the user's own metric) gives a 500 naming the cause", async () => {
    const registry = registryWithCounts();
    new Gauge({
      name: 'broken',
      help: 'throws on collect',
      registers: [registry],
      collect() {
        throw new Error('sensor unplugged');
      },
    });
    const response = await fetch(await serve(registry));
    expect(response.status).toBe(500);
    expect(await response.text()).toBe('could not collect metrics: sensor unplugged\n');
  });
});

describe('metricsFetchHandler', () => {
  it('returns a Response with the text format', async () => {
    const response = await metricsFetchHandler(registryWithCounts())();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    expect(await response.text()).toContain('switchyard_jobs_completed_total{queue="q",task="t"} 1');
  });
});
