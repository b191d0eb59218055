/**
 * SSE across processes: the API serves events from this process, a client in a second
 * process follows `GET /events` with `@switchyard/http/client`, and a worker in a third
 * process runs the job. The client must see the job enqueued, started and completed, in
 * that order, with the events of the run attributed to the third process's worker.
 * Runs on the durable backends; a backend whose adapter is still specVersion 1 has no
 * cluster events, and there the route must answer 501 CAPABILITY_UNSUPPORTED instead.
 * (The children import the built packages: run `pnpm build` first, as CI does.)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServedApi } from '../src/index.js';
import { type Backend, moduleUrlOf, openBackend } from './support/backends.js';
import { countingSubscriptions } from './support/counting.js';
import { call, serveForTest, TOKENS } from './support/http.js';
import { waitUntil } from './support/wait.js';

const CHILDREN = fileURLToPath(new URL('./children/', import.meta.url));

interface Child {
  process: ChildProcess;
  lines: string[];
  stderr: string[];
}

function start(script: string, args: string[]): Child {
  const child = spawn(process.execPath, [`${CHILDREN}${script}`, ...args], {
    cwd: CHILDREN,
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const handle: Child = { process: child, lines: [], stderr: [] };
  createInterface({ input: child.stdout! }).on('line', (line) => handle.lines.push(line));
  createInterface({ input: child.stderr! }).on('line', (line) => handle.stderr.push(line));
  return handle;
}

async function stop(child: Child | undefined): Promise<void> {
  if (!child || child.process.exitCode !== null) return;
  const exited = new Promise((resolve) => child.process.once('exit', resolve));
  child.process.kill('SIGTERM');
  await exited;
}

describe.each(['pgboss', 'bullmq', 'sqs'] as const)('events across three processes on %s', (name) => {
  let backend: Backend | undefined;
  let served: ServedApi | undefined;
  const children: Child[] = [];
  afterEach(async () => {
    for (const child of children.splice(0)) await stop(child);
    await served?.close();
    await backend?.close();
  });

  it('a client process sees enqueued → started → completed of a job run by a worker process', async () => {
    backend = await openBackend(name);
    const counted = countingSubscriptions(backend.yard);
    served = await serveForTest(counted.yard, { basePath: '/api' });
    if (backend.yard.adapter.specVersion !== 2) {
      const refused = await call(served, 'GET', '/events', { as: 'viewer' });
      expect([refused.status, refused.body.code]).toEqual([501, 'CAPABILITY_UNSUPPORTED']);
      return;
    }
    const client = start('sse-client.mjs', [served.url, TOKENS.viewer, 'billing']);
    children.push(client);
    await waitUntil(
      async () => counted.active(),
      (count) => count === 1,
      `the client process to subscribe (stderr: ${client.stderr.join(' ')})`,
    );
    const worker = start('worker.mjs', [moduleUrlOf(name), backend.prefix]);
    children.push(worker);
    await waitUntil(
      async () => worker.lines.find((line) => line.startsWith('ready')),
      Boolean,
      `the worker process to start (stderr: ${worker.stderr.join(' ')})`,
      30_000,
    );
    const created = await call(served, 'POST', '/jobs', {
      as: 'operator',
      body: { task: 'http.charge', payload: { orderId: 77 } },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const events = await waitUntil(
      async () =>
        client.lines
          .map(
            (line) =>
              JSON.parse(line) as { pid: number; event: { type: string; jobId?: string; workerId?: string } },
          )
          .filter(({ event }) => event.jobId === id),
      (seen) => seen.some(({ event }) => event.type === 'completed'),
      `the client process to see job ${id} complete (stderr: ${client.stderr.join(' ')})`,
      30_000,
    );
    expect(events.map(({ event }) => event.type)).toEqual(['enqueued', 'started', 'completed']);
    expect(events.every(({ pid }) => pid === client.process.pid)).toBe(true);
    expect(client.process.pid).not.toBe(process.pid);
    const workers = await call(served, 'GET', '/workers', { as: 'viewer' });
    const runner = workers.body.workers.find(
      (entry: { id: string }) =>
        entry.id === events.find(({ event }) => event.type === 'started')!.event.workerId,
    );
    expect(runner?.pid).toBe(worker.process.pid);
    expect(runner?.pid).not.toBe(process.pid);
  });
});
