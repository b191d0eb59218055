/**
 * The PostgreSQL the tests run against, and a check that fails the run (never
 * skips it) with instructions when it is unreachable.
 */
import { DATABASE_URL, requirePostgres } from '@switchyard/test-services';

/** `DATABASE_URL`, defaulting to the local trust-auth server. */
export { DATABASE_URL };

/**
 * Throws a message naming DATABASE_URL and how to start PostgreSQL when it cannot be reached.
 * No parameter: `beforeAll(assertDatabaseReachable)` passes the suite as the first argument.
 */
export const assertDatabaseReachable = (): Promise<void> => requirePostgres();
