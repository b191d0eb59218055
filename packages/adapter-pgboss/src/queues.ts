/** Queue pause flags, persisted in `switchyard_queue`; the claim statement skips paused queues. */
import type { QueueControl } from '@switchyard/core';
import type { Database } from './database.js';

/** Pause/resume of one adapter. */
export class PgQueueControl implements QueueControl {
  constructor(
    private readonly db: Database,
    private readonly schema: string,
    private readonly channel: string,
  ) {}

  async pause(queue: string): Promise<void> {
    await this.setPaused(queue, true);
  }

  async resume(queue: string): Promise<void> {
    await this.setPaused(queue, false);
  }

  async isPaused(queue: string): Promise<boolean> {
    const rows = await this.db.query<{ paused: boolean }>(
      'read queue pause flag',
      `SELECT paused FROM ${this.schema}.switchyard_queue WHERE name = $1`,
      [queue],
    );
    return rows[0]?.paused ?? false;
  }

  async list(): Promise<string[]> {
    // pg-boss's queue table holds every queue that ever got a job; ours, the ones only ever paused.
    const rows = await this.db.query<{ name: string }>(
      'list queues',
      `SELECT name FROM ${this.schema}.queue UNION SELECT name FROM ${this.schema}.switchyard_queue ORDER BY name`,
    );
    return rows.map((row) => row.name);
  }

  private async setPaused(queue: string, paused: boolean): Promise<void> {
    await this.db.query(
      paused ? 'pause queue' : 'resume queue',
      `WITH flag AS (
         INSERT INTO ${this.schema}.switchyard_queue (name, paused, updated_at) VALUES ($1, $2, now())
         ON CONFLICT (name) DO UPDATE SET paused = EXCLUDED.paused, updated_at = now()
         RETURNING name
       )
       -- A resumed queue's waiting jobs are claimable again: wake its workers.
       SELECT CASE WHEN $2 THEN NULL ELSE pg_notify($3, name || '|0') END FROM flag`,
      [queue, paused, this.channel],
    );
  }
}
