import { checkForeignJobsOption, InvalidOptionsError } from '@switchyard/core';
import type pg from 'pg';
import type { ForeignJobsOption } from './foreign-jobs.js';

/** Options for `pgBossAdapter`. Give either `connectionString` or `pool`. */
export interface PgBossAdapterOptions {
  /** PostgreSQL connection string; the adapter creates (and on `close()` ends) its own pool. */
  connectionString?: string;
  /** An existing `pg.Pool` (shared with the application); the adapter never ends it. */
  pool?: pg.Pool;
  /** Schema holding pg-boss's tables and Switchyard's additions. Lowercase SQL identifier. Default `switchyard`. */
  schema?: string;
  /** Fallback poll when no NOTIFY arrives (a missed notification, a job that came due). Default 1000 ms. */
  pollIntervalMs?: number;
  /** Most jobs claimed by one fetch statement. Default 100. */
  fetchBatchSize?: number;
  /** Pool size when the adapter creates the pool. Default 10. */
  maxConnections?: number;
  /** `application_name` of the adapter's own connections (visible in `pg_stat_activity`). Default `switchyard-pgboss`. */
  applicationName?: string;
  /**
   * Queues whose rows a plain pg-boss producer (`boss.send(queue, data)`) adds, and how such a row becomes a
   * Switchyard job: `{ task }` (payload = the row's `data`) or a function of the raw row. Rows without a
   * Switchyard task on other queues are failed as malformed. See docs/adapters/pgboss.md, "Works with your tools".
   */
  foreignJobs?: ForeignJobsOption;
}

/** Options with defaults applied and checked. */
export interface ResolvedOptions {
  connectionString?: string;
  pool?: pg.Pool;
  schema: string;
  pollIntervalMs: number;
  fetchBatchSize: number;
  maxConnections: number;
  applicationName: string;
  foreignJobs?: ForeignJobsOption;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Applies defaults and validates; throws `InvalidOptionsError` on a bad option. */
export function resolveOptions(options: PgBossAdapterOptions): ResolvedOptions {
  if (!options.connectionString && !options.pool) {
    throw new InvalidOptionsError('pgBossAdapter: give `connectionString` or `pool`');
  }
  const schema = options.schema ?? 'switchyard';
  if (!SCHEMA_NAME.test(schema)) {
    throw new InvalidOptionsError(
      `pgBossAdapter: schema "${schema}" must be a lowercase SQL identifier ([a-z_][a-z0-9_]*, at most 63 characters)`,
    );
  }
  const resolved: ResolvedOptions = {
    schema,
    pollIntervalMs: positiveInteger('pollIntervalMs', options.pollIntervalMs, 1000),
    fetchBatchSize: positiveInteger('fetchBatchSize', options.fetchBatchSize, 100),
    maxConnections: positiveInteger('maxConnections', options.maxConnections, 10),
    applicationName: options.applicationName ?? 'switchyard-pgboss',
  };
  if (options.connectionString) resolved.connectionString = options.connectionString;
  if (options.pool) resolved.pool = options.pool;
  if (options.foreignJobs !== undefined)
    resolved.foreignJobs = checkForeignJobsOption(options.foreignJobs, {
      adapter: 'pgBossAdapter',
      raw: 'the pg-boss row',
    });
  return resolved;
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) {
    throw new InvalidOptionsError(`pgBossAdapter: ${name} must be a positive integer; got ${value}`);
  }
  return value;
}
