#!/usr/bin/env node
/**
 * Throwaway Redis servers for tests, on loopback: a single `redis-server` with the settings a test
 * needs, or a real Redis Cluster of N masters (`cluster-enabled yes`, joined with
 * `redis-cli --cluster create`). Each server runs as a child process on a free port in a temp
 * directory; `stop()` kills it and deletes the directory. The shared Redis on 6379 is never touched.
 *
 * Used by the BullMQ adapter's cluster conformance run; the SQS adapter's Redis store can use it the
 * same way. From a shell: `node scripts/redis-cluster.mjs [masters]` starts a cluster, prints its
 * nodes as JSON and stops it on Ctrl-C.
 *
 * Needs `redis-server` and `redis-cli` on PATH (Debian/Ubuntu: `apt-get install redis-server`).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SERVER = 'redis-server';
const CLI = 'redis-cli';

/** True when nothing listens on `port` of 127.0.0.1. */
function portIsFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A free port whose cluster bus port (port + 10000) is free too. */
async function freePort() {
  for (let tries = 0; tries < 200; tries++) {
    const port = 20000 + Math.floor(Math.random() * 25000);
    if ((await portIsFree(port)) && (await portIsFree(port + 10000))) return port;
  }
  throw new Error('redis-cluster: no free port pair found');
}

/** Runs `redis-cli -p port ...args` and returns its output. */
export async function redisCli(port, ...args) {
  const { stdout } = await run(CLI, ['-h', '127.0.0.1', '-p', String(port), ...args]);
  return stdout.trim();
}

async function waitFor(check, what, timeoutMs = 15000) {
  const started = Date.now();
  let last;
  for (;;) {
    try {
      if (await check()) return;
    } catch (error) {
      last = error;
    }
    if (Date.now() - started > timeoutMs) {
      throw new Error(`redis-cluster: timed out waiting for ${what}${last ? ` (${last.message})` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Starts one `redis-server` on a free loopback port in a fresh temp directory. `config` is a list
 * of extra `--name value` arguments (e.g. `['--appendonly', 'yes']`).
 * Resolves with `{ host, port, dir, stop() }` once it answers PING.
 */
export async function startRedisServer({ config = [] } = {}) {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'sy-redis-'));
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--daemonize',
    'no',
    '--protected-mode',
    'no',
    '--logfile',
    join(dir, 'redis.log'),
    ...config,
  ];
  const child = spawn(SERVER, args, { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const failed = new Promise((_, reject) =>
    child.once('error', (error) =>
      reject(
        new Error(
          `redis-cluster: cannot run ${SERVER} (${error.message}); install redis-server (it brings redis-cli)`,
        ),
      ),
    ),
  );
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await Promise.race([
      failed,
      waitFor(async () => (await redisCli(port, 'PING')) === 'PONG', `redis-server on ${port}`),
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { host: '127.0.0.1', port, dir, pid: child.pid, stop };
}

/**
 * Starts a Redis Cluster of `masters` masters (no replicas) on loopback, each in its own temp
 * directory, and waits until every node reports `cluster_state:ok`. Resolves with
 * `{ nodes: [{ host, port }], stop() }`; `stop()` kills every server and deletes the directories.
 */
export async function startRedisCluster({ masters = 3, config = [] } = {}) {
  const servers = [];
  const stop = async () => {
    await Promise.all(servers.map((server) => server.stop()));
  };
  try {
    for (let i = 0; i < masters; i++) {
      servers.push(
        await startRedisServer({
          config: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-node-timeout',
            '2000',
            '--appendonly',
            'no',
            '--save',
            '',
            ...config,
          ],
        }),
      );
    }
    await run(CLI, [
      '--cluster',
      'create',
      ...servers.map((server) => `127.0.0.1:${server.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    for (const server of servers) {
      await waitFor(
        async () => (await redisCli(server.port, 'CLUSTER', 'INFO')).includes('cluster_state:ok'),
        `cluster_state:ok on ${server.port}`,
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { nodes: servers.map(({ host, port }) => ({ host, port })), stop };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const masters = Number(process.argv[2] ?? 3);
  const cluster = await startRedisCluster({ masters });
  console.log(JSON.stringify({ nodes: cluster.nodes }));
  const shutdown = () => cluster.stop().then(() => process.exit(0));
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
