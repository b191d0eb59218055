/**
 * The PostgreSQL the tests run against, and a check that fails the run (never
 * skips it) with instructions when it is unreachable.
 */
import pg from 'pg';

/** `DATABASE_URL`, defaulting to the local trust-auth server. */
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Throws a message naming DATABASE_URL and how to start PostgreSQL when it cannot be reached. */
export async function assertDatabaseReachable(): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(
      `PostgreSQL is unreachable at DATABASE_URL=${DATABASE_URL} (${(error as Error).message}). ` +
        'Start it with `pg_ctlcluster 15 main start` (or point DATABASE_URL at a running server).',
      { cause: error },
    );
  } finally {
    await client.end().catch((error: unknown) => console.warn('closing the probe connection failed', error));
  }
}
