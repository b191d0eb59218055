/**
 * Schedules in `switchyard_schedule`. Core computes ticks (cron with seconds,
 * intervals, time zones); `advance` is a compare-and-set on `next_run_at`, so
 * with many schedulers exactly one wins each tick. pg-boss's own scheduler is
 * not used: it resolves minutes only.
 */
import type { ScheduleRecord, ScheduleStore } from '@switchyard/core';
import type { Database, Row } from './database.js';

interface ScheduleRow extends Row {
  key: string;
  task: string;
  queue: string;
  cron: string | null;
  every_ms: string | null;
  tz: string | null;
  payload: { v: unknown } | null;
  job_options: ScheduleRecord['jobOptions'];
  paused: boolean;
  next_run_at: Date;
  last_run_at: Date | null;
  created_at: Date;
}

/** The schedule store of one adapter. */
export class PgScheduleStore implements ScheduleStore {
  constructor(
    private readonly db: Database,
    private readonly schema: string,
  ) {}

  async upsert(schedule: ScheduleRecord): Promise<void> {
    await this.db.query(
      'upsert schedule',
      `INSERT INTO ${this.schema}.switchyard_schedule
         (key, task, queue, cron, every_ms, tz, payload, job_options, paused, next_run_at, last_run_at, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (key) DO UPDATE SET
         task = EXCLUDED.task, queue = EXCLUDED.queue, cron = EXCLUDED.cron, every_ms = EXCLUDED.every_ms,
         tz = EXCLUDED.tz, payload = EXCLUDED.payload, job_options = EXCLUDED.job_options, paused = EXCLUDED.paused,
         next_run_at = EXCLUDED.next_run_at, last_run_at = EXCLUDED.last_run_at, created_at = EXCLUDED.created_at`,
      [
        schedule.key,
        schedule.task,
        schedule.queue,
        schedule.cron ?? null,
        schedule.everyMs ?? null,
        schedule.tz ?? null,
        // Wrapped so any JSON payload (including null) round-trips.
        JSON.stringify({ v: schedule.payload ?? null }),
        JSON.stringify(schedule.jobOptions ?? {}),
        schedule.paused,
        schedule.nextRunAt,
        schedule.lastRunAt ?? null,
        schedule.createdAt,
      ],
    );
  }

  async get(key: string): Promise<ScheduleRecord | null> {
    const rows = await this.db.query<ScheduleRow>(
      'get schedule',
      `SELECT * FROM ${this.schema}.switchyard_schedule WHERE key = $1`,
      [key],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async list(): Promise<ScheduleRecord[]> {
    const rows = await this.db.query<ScheduleRow>(
      'list schedules',
      `SELECT * FROM ${this.schema}.switchyard_schedule ORDER BY key`,
    );
    return rows.map(toRecord);
  }

  async remove(key: string): Promise<boolean> {
    const rows = await this.db.query(
      'remove schedule',
      `DELETE FROM ${this.schema}.switchyard_schedule WHERE key = $1 RETURNING 1`,
      [key],
    );
    return rows.length > 0;
  }

  async setPaused(key: string, paused: boolean): Promise<boolean> {
    const rows = await this.db.query(
      paused ? 'pause schedule' : 'resume schedule',
      `UPDATE ${this.schema}.switchyard_schedule SET paused = $2 WHERE key = $1 RETURNING 1`,
      [key, paused],
    );
    return rows.length > 0;
  }

  async advance(key: string, from: Date, to: Date): Promise<boolean> {
    const rows = await this.db.query(
      'advance schedule',
      `UPDATE ${this.schema}.switchyard_schedule SET next_run_at = $3, last_run_at = $2
        WHERE key = $1 AND next_run_at = $2 RETURNING 1`,
      [key, from, to],
    );
    return rows.length > 0;
  }
}

function toRecord(row: ScheduleRow): ScheduleRecord {
  const record: ScheduleRecord = {
    key: row.key,
    task: row.task,
    queue: row.queue,
    payload: row.payload?.v ?? null,
    jobOptions: row.job_options ?? {},
    paused: row.paused,
    nextRunAt: row.next_run_at,
    createdAt: row.created_at,
  };
  if (row.cron !== null) record.cron = row.cron;
  if (row.every_ms !== null) record.everyMs = Number(row.every_ms);
  if (row.tz !== null) record.tz = row.tz;
  if (row.last_run_at) record.lastRunAt = row.last_run_at;
  return record;
}
