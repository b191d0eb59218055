/**
 * pg-boss on PostgreSQL, one schema per run. The adapter's connections carry
 * `application_name = chaos-<prefix>-…`, so pg_terminate_backend touches this run's only.
 * Malformed entries are rows written straight into the job table: a foreign pg-boss job,
 * undecodable Switchyard columns, and an `active` row without a lease (a foreign writer's).
 */
import { pgBossAdapter } from '@switchyard/adapter-pgboss';
import pg from 'pg';
import { addressOf, type ChaosBackend, split } from './types.ts';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const postgres = addressOf(DATABASE_URL, 5432);

let pool: pg.Pool | undefined;
function admin(): pg.Pool {
  pool ??= new pg.Pool({
    connectionString: DATABASE_URL,
    max: 2,
    application_name: 'switchyard-chaos-admin',
  });
  return pool;
}

/** The run's schema: its prefix (lowercase letters and digits). */
function schemaOf(prefix: string): string {
  if (!/^[a-z][a-z0-9]{0,40}$/.test(prefix)) throw new Error(`prefix "${prefix}" is not a schema name`);
  return prefix;
}

export const pgbossBackend: ChaosBackend = {
  name: 'pgboss',
  services: () => [postgres],
  createAdapter(prefix, route) {
    const url = new URL(DATABASE_URL);
    const { host, port } = route(postgres);
    url.hostname = host;
    url.port = String(port);
    return pgBossAdapter({
      connectionString: url.href,
      schema: schemaOf(prefix),
      maxConnections: 4,
      applicationName: `chaos-${prefix}`,
    });
  },
  async killConnections(prefix) {
    const { rows } = await admin().query<{ killed: boolean }>(
      `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
        WHERE application_name LIKE $1 AND pid <> pg_backend_pid()`,
      [`chaos-${prefix}%`],
    );
    return rows.filter((row) => row.killed).length;
  },
  async writeMalformed(prefix, queue, count) {
    const s = schemaOf(prefix);
    const [foreign = 0, metadata = 0, options = 0, leaseless = 0] = split(count, 4);
    const insert = (rows: number, columns: string, values: string) =>
      admin().query(
        `INSERT INTO ${s}.job (name, ${columns}) SELECT $1, ${values} FROM generate_series(1, $2)`,
        [queue, rows],
      );
    // A job another pg-boss client sent to the same queue: none of Switchyard's columns.
    await insert(foreign, 'data', `'{"foreign": true}'::jsonb`);
    // Switchyard columns that cannot be decoded.
    await insert(metadata, 'data, sy_task, sy_metadata', `'{}'::jsonb, 'chaos.work', '"corrupt"'::jsonb`);
    await insert(
      options,
      'data, sy_task, sy_options',
      `'{}'::jsonb, 'chaos.work', '{"timeoutMs": "soon"}'::jsonb`,
    );
    // A row some other writer (a pg-boss worker) marked active and then died holding, with no Switchyard
    // lease at all: it is swept once pg-boss's own expiry (started_on + expire_seconds) passes.
    await insert(
      leaseless,
      'data, sy_task, state, started_on, expire_seconds',
      `'{}'::jsonb, 'chaos.work', 'active', now(), 2`,
    );
    return {
      'foreign pg-boss job': foreign,
      'undecodable metadata': metadata,
      'undecodable options': options,
      'active row without a lease': leaseless,
    };
  },
  async cleanup(prefix) {
    await admin().query(`DROP SCHEMA IF EXISTS ${schemaOf(prefix)} CASCADE`);
  },
  async close() {
    const open = pool;
    pool = undefined;
    await open?.end();
  },
};
