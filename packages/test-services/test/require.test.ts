import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { requirePostgres, requireRedis } from '../src/index.js';

/** A loopback port where nothing listens: bound, noted, released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('requireRedis', () => {
  it('fails naming REDIS_URL, the reason and how to start Redis', async () => {
    const url = `redis://127.0.0.1:${await closedPort()}`;
    const error = (await requireRedis(url).catch((thrown: unknown) => thrown)) as Error;
    expect(error.message).toBe(
      `Redis is not reachable at REDIS_URL=${url} (connect ECONNREFUSED ${url.slice('redis://'.length)}). ` +
        'Start one with `redis-server --daemonize yes`, or point REDIS_URL at a running server.',
    );
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('passes against the running server', async () => {
    await expect(requireRedis()).resolves.toBeUndefined();
  });
});

describe('requirePostgres', () => {
  it('fails naming DATABASE_URL, the reason and how to start PostgreSQL', async () => {
    const port = await closedPort();
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    const error = (await requirePostgres(url).catch((thrown: unknown) => thrown)) as Error;
    expect(error.message).toBe(
      `PostgreSQL is not reachable at DATABASE_URL=${url} (connect ECONNREFUSED 127.0.0.1:${port}). ` +
        'Start it with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, ' +
        'or point DATABASE_URL at a running server.',
    );
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('passes against the running server', async () => {
    await expect(requirePostgres()).resolves.toBeUndefined();
  });
});
