/**
 * Batch enqueue: one INSERT into pg-boss's job table for the whole batch
 * (with the Switchyard id), run on the caller's transaction when `tx` is given.
 * The same statement NOTIFYs the queues it wrote, so idle workers wake within
 * milliseconds; inside a transaction PostgreSQL delivers that only on COMMIT,
 * so no worker ever hears of an uncommitted job.
 */
import type { EnqueueOutcome, NewJob } from '@switchyard/core';
import { encodeNewJob } from './codec.js';
import type { Database, SqlExecutor } from './database.js';
import { createQueueSql } from './schema.js';

/** Inserts jobs; reports each as created or duplicate (with the id of the job that holds it). */
export class Enqueuer {
  /** Queues known to exist in pg-boss's queue table (the job table's foreign key needs the row). */
  private readonly knownQueues = new Set<string>();

  constructor(
    private readonly db: Database,
    private readonly schema: string,
    private readonly channel: string,
  ) {}

  /** Stores `jobs`; with `tx` the rows exist only if that transaction commits. */
  async enqueue(jobs: NewJob[], tx?: SqlExecutor): Promise<EnqueueOutcome[]> {
    if (jobs.length === 0) return [];
    await this.ensureQueues(jobs.map((job) => job.queue));
    // The same id twice in one batch: only its first occurrence can be created.
    const firstOccurrence = new Map<string, NewJob>();
    for (const job of jobs) if (!firstOccurrence.has(job.id)) firstOccurrence.set(job.id, job);
    const outcomes = new Map<string, EnqueueOutcome>();
    let remaining = [...firstOccurrence.values()];
    // A duplicate whose holder finished between the INSERT and the read-back is inserted again (the key is free now).
    for (let round = 0; round < 3 && remaining.length > 0; round++) {
      const created = await this.insert(remaining, tx);
      const rejected = remaining.filter((job) => !created.has(job.id));
      for (const job of remaining)
        if (created.has(job.id)) outcomes.set(job.id, { status: 'created', id: job.id });
      const holders = rejected.length > 0 ? await this.findHolders(rejected, tx) : new Map<string, string>();
      for (const job of rejected) {
        const existing = holders.get(job.id);
        if (existing) outcomes.set(job.id, { status: 'duplicate', id: job.id, existingJobId: existing });
      }
      remaining = rejected.filter((job) => !holders.has(job.id));
    }
    const reported = new Set<string>();
    return jobs.map((job) => {
      const outcome = reported.has(job.id) ? undefined : outcomes.get(job.id);
      reported.add(job.id);
      return outcome ?? { status: 'duplicate', id: job.id, existingJobId: job.id };
    });
  }

  private async insert(jobs: NewJob[], tx?: SqlExecutor): Promise<Set<string>> {
    const s = this.schema;
    const rows = await this.db.query<{ ids: string[] }>(
      'enqueue',
      `WITH input AS (
         SELECT x.*, timestamptz 'epoch' + x.c * interval '1 millisecond' AS created_on
         FROM json_to_recordset($1::json) AS x(
           n int, i uuid, q text, t text, d jsonb, p int, c bigint, r bigint, m int, o jsonb, md jsonb, u text)
       ),
       ins AS (
         INSERT INTO ${s}.job (id, name, data, priority, state, retry_limit, start_after, created_on, singleton_key,
                              policy, sy_task, sy_max_attempts, sy_options, sy_metadata)
         SELECT x.i, x.q, x.d, x.p, 'created',
                -- pg-boss counts retries after the first run; shown in pg-boss tools, not used by Switchyard.
                CASE WHEN x.m IS NULL THEN 2147483647 ELSE GREATEST(x.m - 1, 0) END,
                COALESCE(timestamptz 'epoch' + x.r * interval '1 millisecond', x.created_on), x.created_on,
                x.u, 'standard', x.t, x.m, x.o, x.md
         FROM input x
         ORDER BY x.n
         ON CONFLICT DO NOTHING
         RETURNING id, name, start_after
       )
       SELECT array(SELECT id::text FROM ins) AS ids,
              (SELECT count(pg_notify($2, q.name || '|' || (extract(epoch FROM q.at) * 1000)::bigint))
                 FROM (SELECT name, min(start_after) AS at FROM ins GROUP BY name) q) AS notified`,
      [JSON.stringify(jobs.map((job, index) => encodeNewJob(job, index))), this.channel],
      tx,
    );
    return new Set(rows[0]?.ids ?? []);
  }

  /** For each rejected job: the id it collided with, or the unfinished job holding its (task, uniqueKey). */
  private async findHolders(jobs: NewJob[], tx?: SqlExecutor): Promise<Map<string, string>> {
    const s = this.schema;
    const rows = await this.db.query<{ input_id: string; existing: string | null }>(
      'enqueue duplicate lookup',
      `SELECT x.id::text AS input_id,
              COALESCE(
                (SELECT e.id::text FROM ${s}.job e WHERE e.id = x.id LIMIT 1),
                (SELECT e.id::text FROM ${s}.job e
                  WHERE e.sy_task = x.task AND e.singleton_key = x.unique_key AND e.state < 'completed'
                  LIMIT 1)
              ) AS existing
       FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, name text, task text, unique_key text)`,
      [
        JSON.stringify(
          jobs.map((job) => ({
            id: job.id,
            name: job.queue,
            task: job.task,
            unique_key: job.uniqueKey ?? null,
          })),
        ),
      ],
      tx,
    );
    const holders = new Map<string, string>();
    for (const row of rows) if (row.existing) holders.set(row.input_id, row.existing);
    return holders;
  }

  /** Registers unknown queues with pg-boss (outside any caller transaction; a queue row is harmless). */
  private async ensureQueues(queues: string[]): Promise<void> {
    for (const queue of new Set(queues)) {
      if (this.knownQueues.has(queue)) continue;
      await this.db.query('create queue', createQueueSql(this.schema), [queue]);
      this.knownQueues.add(queue);
    }
  }
}
