/**
 * Throughput history in `switchyard_history`: every minute cell core records is added to
 * its stored minute row and to the row of its hour ('m' and 'h' grains), by one upsert
 * that adds the counts and the duration histograms element-wise. Hourly reads then read
 * at most one row per (hour, queue, task) instead of summing 60 minute rows each, so a
 * week of '1h' is 168 rows per (queue, task). Maintenance deletes rows past the
 * retention window.
 */
import {
  addCell,
  bucketStart,
  emptyDurations,
  type HistoryCell,
  type HistoryReadQuery,
  type HistoryStore,
} from '@switchyard/core';
import type { Database } from './database.js';

const HOUR_MS = 3_600_000;

/** A cell as stored: its grain ('m' minute, 'h' hour) and the cell. */
export interface GrainCell {
  grain: 'm' | 'h';
  cell: HistoryCell;
}

/**
 * The rows one `record` call upserts: each distinct minute cell, and one hour cell per
 * (hour, queue, task) summing the minute cells of that hour. Duplicate keys are merged
 * (an upsert may not touch one row twice), and the rows are sorted by key so two
 * writers lock rows in the same order and cannot deadlock.
 */
export function historyRows(cells: readonly HistoryCell[]): GrainCell[] {
  const rows = new Map<string, GrainCell>();
  const add = (grain: 'm' | 'h', at: number, cell: HistoryCell): void => {
    const key = `${grain}\u0000${at}\u0000${cell.queue}\u0000${cell.task}`;
    let row = rows.get(key);
    if (!row) {
      row = {
        grain,
        cell: {
          at,
          queue: cell.queue,
          task: cell.task,
          completed: 0,
          failed: 0,
          retried: 0,
          durations: emptyDurations(),
        },
      };
      rows.set(key, row);
    }
    addCell(row.cell, cell);
  };
  for (const cell of cells) {
    add('m', bucketStart(cell.at, '1m'), cell);
    add('h', bucketStart(cell.at, '1h'), cell);
  }
  return [...rows.values()].sort(compareRows);
}

function compareRows(a: GrainCell, b: GrainCell): number {
  if (a.grain !== b.grain) return a.grain < b.grain ? -1 : 1;
  if (a.cell.at !== b.cell.at) return a.cell.at - b.cell.at;
  if (a.cell.queue !== b.cell.queue) return a.cell.queue < b.cell.queue ? -1 : 1;
  return a.cell.task < b.cell.task ? -1 : a.cell.task > b.cell.task ? 1 : 0;
}

/** Which stored grain answers a read: hour rows for an hourly read over whole hours, else minute rows. */
export function grainFor(query: Pick<HistoryReadQuery, 'bucket' | 'from' | 'to'>): 'm' | 'h' {
  return query.bucket === '1h' && query.from.getTime() % HOUR_MS === 0 && query.to.getTime() % HOUR_MS === 0
    ? 'h'
    : 'm';
}

interface HistoryRow {
  at: Date;
  queue: string;
  task: string;
  completed: string;
  failed: string;
  retried: string;
  durations: string[];
}

/** History of one schema. */
export class PgHistoryStore implements HistoryStore {
  constructor(
    private readonly db: Database,
    private readonly schema: string,
  ) {}

  async record(cells: HistoryCell[]): Promise<void> {
    if (cells.length === 0) return;
    const rows = historyRows(cells);
    await this.db.query(
      'record history',
      `INSERT INTO ${this.schema}.switchyard_history AS h
              (grain, at, queue, task, completed, failed, retried, durations)
       SELECT x.grain, timestamptz 'epoch' + x.at * interval '1 millisecond', x.queue, x.task,
              x.completed, x.failed, x.retried, x.durations
         FROM jsonb_to_recordset($1::jsonb)
              AS x(grain "char", at bigint, queue text, task text, completed bigint, failed bigint,
                   retried bigint, durations bigint[], n int)
        ORDER BY x.n
       ON CONFLICT (grain, at, queue, task) DO UPDATE
          SET completed = h.completed + EXCLUDED.completed,
              failed = h.failed + EXCLUDED.failed,
              retried = h.retried + EXCLUDED.retried,
              durations = ARRAY(
                SELECT COALESCE(a, 0) + COALESCE(b, 0)
                  FROM unnest(h.durations, EXCLUDED.durations) WITH ORDINALITY AS d(a, b, i)
                 ORDER BY d.i)`,
      [
        JSON.stringify(
          rows.map(({ grain, cell }, n) => ({
            grain,
            at: cell.at,
            queue: cell.queue,
            task: cell.task,
            completed: cell.completed,
            failed: cell.failed,
            retried: cell.retried,
            durations: cell.durations,
            n,
          })),
        ),
      ],
    );
  }

  async read(query: HistoryReadQuery): Promise<HistoryCell[]> {
    const values: unknown[] = [grainFor(query), query.from, query.to];
    let filters = '';
    if (query.queue !== undefined) {
      values.push(query.queue);
      filters += ` AND queue = $${values.length}`;
    }
    if (query.task !== undefined) {
      values.push(query.task);
      filters += ` AND task = $${values.length}`;
    }
    const rows = await this.db.query<HistoryRow & Record<string, unknown>>(
      'read history',
      `SELECT at, queue, task, completed, failed, retried, durations
         FROM ${this.schema}.switchyard_history
        WHERE grain = $1 AND at >= $2 AND at < $3${filters}
        ORDER BY at, queue, task`,
      values,
    );
    return rows.map((row) => ({
      at: row.at.getTime(),
      queue: row.queue,
      task: row.task,
      completed: Number(row.completed),
      failed: Number(row.failed),
      retried: Number(row.retried),
      durations: row.durations.map(Number),
    }));
  }
}

/**
 * Deletes history before `cutoff`: minute rows that started before it, hour rows that ended
 * by it (an hour still partly inside the window stays). Returns how many rows went.
 */
export async function pruneHistory(db: Database, schema: string, cutoff: number): Promise<number> {
  const rows = await db.query<{ pruned: string }>(
    'prune history',
    `WITH pruned AS (
       DELETE FROM ${schema}.switchyard_history
        WHERE (grain = 'm' AND at < $1) OR (grain = 'h' AND at <= $1::timestamptz - interval '1 hour')
       RETURNING 1
     )
     SELECT count(*) AS pruned FROM pruned`,
    [new Date(cutoff)],
  );
  return Number(rows[0]?.pruned ?? 0);
}
