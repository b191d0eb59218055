/** Test helpers: a fresh schema per test, adapters on it, job builders and a raw connection. */

import { randomBytes } from 'node:crypto';
import { type PgBossAdapterOptions, pgBossAdapter } from '@switchyard/adapter-pgboss';
import { testJob, waitUntil } from '@switchyard/conformance';
import {
  type AdapterStartContext,
  type NewJob,
  type QueueAdapterV2,
  silentLogger,
  systemClock,
} from '@switchyard/core';
import pg from 'pg';
import { DATABASE_URL } from './database-url.js';

/** Schemas and adapters one test created; `dispose` closes adapters and drops the schema. */
export class PgTestScope {
  readonly schema = `sytest_${randomBytes(5).toString('hex')}`;
  readonly raw = new pg.Pool({ connectionString: DATABASE_URL, max: 3 });
  private readonly adapters: QueueAdapterV2[] = [];

  constructor() {
    this.raw.on('error', (error) => console.warn('raw test connection error', error));
  }

  /** A started adapter on this scope's schema. */
  async adapter(
    options: Partial<PgBossAdapterOptions> = {},
    context: Partial<AdapterStartContext> = {},
  ): Promise<QueueAdapterV2> {
    const adapter = pgBossAdapter({ connectionString: DATABASE_URL, schema: this.schema, ...options });
    this.adapters.push(adapter);
    await adapter.start({
      logger: silentLogger,
      clock: systemClock,
      retention: {},
      historyRetentionMs: 7 * 24 * 3_600_000,
      ...context,
    });
    return adapter;
  }

  async dispose(passed: boolean): Promise<void> {
    for (const adapter of this.adapters.reverse()) await adapter.close();
    if (passed) await this.raw.query(`DROP SCHEMA IF EXISTS ${this.schema} CASCADE`);
    await this.raw.end();
  }
}

/** A job ready now (override any field). */
export function newJob(overrides: Partial<NewJob> = {}): NewJob {
  return testJob({ queue: 'q', ...overrides });
}

/**
 * Resolves when `predicate` holds (polled every 10 ms), or rejects after `timeoutMs`: the suite's
 * `waitUntil` without its value. New tests call `waitUntil(probe, timeoutMs, what)` directly.
 */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  await waitUntil(predicate, timeoutMs, what, 10);
}
