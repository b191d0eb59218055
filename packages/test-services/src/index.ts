/**
 * The tests' check that Redis and PostgreSQL are up: a test that needs one fails the run
 * (never skips) with a message naming the variable to set and how to start the service.
 * Plain erasable TypeScript, imported as source (vitest, and Node in crash-test children);
 * the clients load on first use, so a package that needs neither service pays nothing.
 */

/** The Redis the tests use: `REDIS_URL`, default the local server. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The PostgreSQL the tests use: `DATABASE_URL`, default the local trust-auth server. */
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** What to tell the developer when Redis at `url` failed with `reason`. */
export function redisUnreachableMessage(url: string, reason: string): string {
  return (
    `Redis is not reachable at REDIS_URL=${url} (${reason}). ` +
    'Start one with `redis-server --daemonize yes`, or point REDIS_URL at a running server.'
  );
}

/** What to tell the developer when PostgreSQL at `url` failed with `reason`. */
export function postgresUnreachableMessage(url: string, reason: string): string {
  return (
    `PostgreSQL is not reachable at DATABASE_URL=${url} (${reason}). ` +
    'Start it with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, ' +
    'or point DATABASE_URL at a running server.'
  );
}

/** Resolves when Redis at `url` answers PING; otherwise throws the how-to-start message. */
export async function requireRedis(url: string = REDIS_URL): Promise<void> {
  const { Redis } = await import('ioredis');
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  // The socket error is the informative reason; keep it rather than let ioredis print it as unhandled.
  let socketError: Error | undefined;
  client.on('error', (error: Error) => {
    socketError ??= error;
  });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    const cause = socketError ?? error;
    throw new Error(redisUnreachableMessage(url, reasonOf(cause)), { cause });
  } finally {
    client.disconnect();
  }
}

/** Resolves when PostgreSQL at `url` answers `SELECT 1`; otherwise throws the how-to-start message. */
export async function requirePostgres(url: string = DATABASE_URL): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(postgresUnreachableMessage(url, reasonOf(error)), { cause: error });
  } finally {
    await client.end().catch(() => {});
  }
}

/** An error's message; an AggregateError (every address of a host refused) has an empty one. */
function reasonOf(error: unknown): string {
  if (error instanceof AggregateError && !error.message) return error.errors.map(reasonOf).join('; ');
  return error instanceof Error ? error.message : String(error);
}
