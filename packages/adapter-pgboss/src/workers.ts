/**
 * The live-workers registry: one row per worker in `switchyard_worker`, upserted on start
 * and on every heartbeat, deleted on stop. A row past `expires_at` belongs to a process
 * that stopped heartbeating; `list` leaves it out and maintenance deletes it.
 */
import type { WorkerRegistry } from '@switchyard/core';
import type { Database } from './database.js';

/** Workers of one schema. */
export class PgWorkerRegistry implements WorkerRegistry {
  constructor(
    private readonly db: Database,
    private readonly schema: string,
  ) {}

  async put(id: string, data: string, expiresAt: Date): Promise<void> {
    // Repeating it is harmless, so a heartbeat survives a connection cut.
    await this.db.queryRetrying(
      'register worker',
      `INSERT INTO ${this.schema}.switchyard_worker (id, data, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data, expires_at = EXCLUDED.expires_at`,
      [id, data, expiresAt],
    );
  }

  async remove(id: string): Promise<void> {
    await this.db.queryRetrying(
      'deregister worker',
      `DELETE FROM ${this.schema}.switchyard_worker WHERE id = $1`,
      [id],
    );
  }

  async list(now: Date): Promise<string[]> {
    const rows = await this.db.query<{ data: string }>(
      'list workers',
      `SELECT data FROM ${this.schema}.switchyard_worker WHERE expires_at > $1 ORDER BY id`,
      [now],
    );
    return rows.map((row) => row.data);
  }
}

/** Deletes the rows of workers that stopped heartbeating before `now`. Returns how many. */
export async function deleteExpiredWorkers(db: Database, schema: string, now: number): Promise<number> {
  const rows = await db.query(
    'delete expired workers',
    `DELETE FROM ${schema}.switchyard_worker WHERE expires_at <= $1 RETURNING 1`,
    [new Date(now)],
  );
  return rows.length;
}
