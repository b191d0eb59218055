/**
 * The adapter's connection to PostgreSQL: one pool for statements, errors wrapped
 * as `AdapterError('pgboss', ...)`, and a short retry for statements that are safe
 * to repeat when a connection dies under them (`pg_terminate_backend`, failover).
 */
import { createHash } from 'node:crypto';
import { AdapterError } from '@switchyard/core';
import pg from 'pg';
import type { ResolvedOptions } from './options.js';

/** Anything that runs a parameterised statement: a `pg.Pool`, a `pg.Client` inside `BEGIN`, an ORM's raw executor. */
export interface SqlExecutor {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** A row as `pg` returns it. */
export type Row = Record<string, unknown>;

/** The pool plus the adapter's conventions for running statements on it. */
export class Database {
  readonly pool: pg.Pool;
  private readonly ownsPool: boolean;
  private readonly statementNames = new Map<string, string>();

  constructor(
    options: ResolvedOptions,
    private readonly onIdleError: (error: Error) => void,
  ) {
    this.ownsPool = !options.pool;
    this.pool =
      options.pool ??
      new pg.Pool({
        connectionString: options.connectionString,
        max: options.maxConnections,
        application_name: options.applicationName,
      });
    // An idle client whose backend is terminated emits 'error' on the pool; unhandled, it would crash the process.
    this.pool.on('error', this.onIdleError);
  }

  /** Runs one statement; a failure becomes `AdapterError` naming `what`. */
  async query<T extends Row = Row>(
    what: string,
    text: string,
    values?: unknown[],
    executor?: SqlExecutor,
  ): Promise<T[]> {
    try {
      const result = await (executor ?? this.pool).query(text, values);
      return result.rows as T[];
    } catch (error) {
      throw wrapError(what, error);
    }
  }

  /**
   * Runs one hot-path statement as a named (prepared) statement, without retrying:
   * for statements that must not run twice (a claim that committed before the
   * connection died would otherwise claim a second set of jobs).
   */
  async queryPrepared<T extends Row = Row>(what: string, text: string, values?: unknown[]): Promise<T[]> {
    try {
      const result = await this.pool.query(this.prepared(text, values));
      return result.rows as T[];
    } catch (error) {
      throw wrapError(what, error);
    }
  }

  /**
   * Runs an idempotent statement, trying again (up to 3 times) when the connection
   * was lost mid-flight. Only for statements whose repeat is harmless (guarded updates).
   */
  async queryRetrying<T extends Row = Row>(what: string, text: string, values?: unknown[]): Promise<T[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.pool.query(this.prepared(text, values));
        return result.rows as T[];
      } catch (error) {
        if (attempt >= 3 || !isConnectionError(error)) throw wrapError(what, error);
        await new Promise((resolve) => setTimeout(resolve, 25 * attempt));
      }
    }
  }

  /**
   * A named (prepared) statement: each connection parses and plans it once, which
   * matters for the claim and settle statements that run thousands of times a second.
   */
  private prepared(text: string, values?: unknown[]): pg.QueryConfig {
    let name = this.statementNames.get(text);
    if (!name) {
      name = `switchyard_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
      this.statementNames.set(text, name);
    }
    return { name, text, values: values ?? [] };
  }

  /**
   * Runs one read-only statement with planner settings pinned for it alone (`SET LOCAL` in a
   * READ ONLY transaction: three round trips), for statements whose plan must not depend on
   * the table's statistics (`settings` are fixed strings of this package, never user input).
   * `prepared` names the statement, so each connection plans it once: for a fixed text only
   * (a text built per call would leave a prepared statement behind per variant).
   */
  async queryPinned<T extends Row = Row>(
    what: string,
    settings: Readonly<Record<string, string>>,
    text: string,
    values: unknown[],
    options: { prepared?: boolean } = {},
  ): Promise<T[]> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw wrapError(what, error);
    }
    try {
      const set = Object.entries(settings).map(([name, value]) => `SET LOCAL ${name} = ${value}`);
      await client.query(['BEGIN READ ONLY', ...set].join('; '));
      const result = await (options.prepared
        ? client.query(this.prepared(text, values))
        : client.query(text, values));
      await client.query('COMMIT');
      return result.rows as T[];
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: unknown) => {
        this.onIdleError(rollbackError as Error);
      });
      throw wrapError(what, error);
    } finally {
      client.release();
    }
  }

  /** Runs `fn` on one client inside a transaction. */
  async transaction<T>(what: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw wrapError(what, error);
    }
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: unknown) => {
        // The original error is the one worth reporting; the rollback failing means the connection is gone.
        this.onIdleError(rollbackError as Error);
      });
      throw wrapError(what, error);
    } finally {
      client.release();
    }
  }

  /** Wraps an error from a library call (pg-boss) the same way statement errors are wrapped. */
  wrap(what: string, error: unknown): Error {
    return wrapError(what, error);
  }

  /** Ends the pool when the adapter created it; a pool given by the application stays open. */
  async close(): Promise<void> {
    this.pool.off('error', this.onIdleError);
    if (this.ownsPool) await this.pool.end();
  }
}

/** Wraps a backend error (once) as `AdapterError('pgboss', ...)`. */
export function wrapError(what: string, error: unknown): Error {
  if (error instanceof AdapterError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new AdapterError('pgboss', `${what} failed: ${message}`, { cause: error });
}

/** True for errors that mean "the connection died", not "the statement was wrong". */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (
    typeof code === 'string' &&
    (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03')
  ) {
    return true;
  }
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|ECONNRESET|ECONNREFUSED|EPIPE|Client has encountered a connection error|terminating connection/i.test(
    message,
  );
}

/** The Postgres error code of `error`, if any (wrapped errors are unwrapped). */
export function pgErrorCode(error: unknown): string | undefined {
  const direct = (error as { code?: unknown })?.code;
  if (typeof direct === 'string' && direct !== 'ADAPTER_ERROR') return direct;
  const cause = (error as { cause?: unknown })?.cause;
  return cause ? pgErrorCode(cause) : undefined;
}
