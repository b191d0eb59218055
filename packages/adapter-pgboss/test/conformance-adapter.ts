/**
 * The conformance module for the pg-boss adapter: one PostgreSQL schema per
 * test prefix, and backdoors that read and corrupt pg-boss's job table with a
 * raw `pg` connection (never through the adapter under test).
 */
import { pgBossAdapter } from '@switchyard/adapter-pgboss';
import type { ConformanceAdapterModule } from '@switchyard/conformance';
import type { JobState } from '@switchyard/core';
import { DATABASE_URL } from '@switchyard/test-services';
import pg from 'pg';

let backdoorPool: pg.Pool | undefined;

/** A small pool for backdoors; it lets the process exit when idle. */
function backdoor(): pg.Pool {
  if (!backdoorPool) {
    backdoorPool = new pg.Pool({
      connectionString: DATABASE_URL,
      max: 2,
      allowExitOnIdle: true,
      idleTimeoutMillis: 1000,
    });
    backdoorPool.on('error', (error) =>
      console.warn('[pgboss conformance] backdoor connection error', error),
    );
  }
  return backdoorPool;
}

/** The prefix is `sy` + lowercase hex: already a valid schema name. */
function schemaOf(prefix: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(prefix))
    throw new Error(`prefix "${prefix}" is not a valid schema name`);
  return prefix;
}

const mod: ConformanceAdapterModule = {
  createAdapter: ({ prefix }) =>
    pgBossAdapter({ connectionString: DATABASE_URL, schema: schemaOf(prefix), maxConnections: 4 }),
  // Measured (3 runs of the timing groups): most due jobs, freed slots and releases land ≤ 60 ms
  // late, but a due job (delay or retry) whose wake-up timer gave way to an earlier one's waits for
  // the fallback poll (pollIntervalMs, 1000 ms): up to 1012 ms late. 1500 ms covers that poll.
  deliveryLatencyMs: 1500,
  // The other kinds (priority, metadata, attempt) are the adapter owner's to add.
  corruptionKinds: ['payload'],

  createAdapterThrough: async ({ prefix }, route) => {
    const url = new URL(DATABASE_URL);
    const { host, port } = await route({ host: url.hostname, port: Number(url.port || 5432) });
    url.hostname = host;
    url.port = String(port);
    return pgBossAdapter({ connectionString: url.href, schema: schemaOf(prefix), maxConnections: 4 });
  },

  corruptJob: async ({ prefix }, jobId) => {
    // Metadata must be an object of strings; a bare JSON string cannot be decoded into one.
    const result = await backdoor().query(
      `UPDATE ${schemaOf(prefix)}.job SET sy_metadata = '"corrupted by the conformance backdoor"'::jsonb WHERE id = $1`,
      [jobId],
    );
    if (result.rowCount !== 1) throw new Error(`corruptJob: job ${jobId} not found in schema ${prefix}`);
  },

  readRawState: async ({ prefix }, jobId) => {
    const { rows } = await backdoor().query<{ state: JobState }>(
      `SELECT CASE
                WHEN state = 'created' AND start_after > now() THEN 'scheduled'
                WHEN state = 'retry' AND start_after > now() THEN 'retrying'
                WHEN state IN ('created', 'retry') THEN 'pending'
                WHEN state = 'active' THEN 'running'
                ELSE state::text
              END AS state
         FROM ${schemaOf(prefix)}.job WHERE id = $1`,
      [jobId],
    );
    return rows[0]?.state ?? null;
  },

  cleanup: async ({ prefix }) => {
    await backdoor().query(`DROP SCHEMA IF EXISTS ${schemaOf(prefix)} CASCADE`);
  },

  transaction: async (_context, fn, { rollback }) => {
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    try {
      await client.query('BEGIN');
      try {
        await fn(client);
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
      await client.query(rollback ? 'ROLLBACK' : 'COMMIT');
    } finally {
      await client.end();
    }
  },
};

export default mod;
