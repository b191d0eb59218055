/**
 * Batch enqueue: one INSERT into pg-boss's job table for the whole batch
 * (with the Switchyard id), run on the caller's transaction when `tx` is given.
 * The same statement NOTIFYs the queues it wrote, so idle workers wake within
 * milliseconds; inside a transaction PostgreSQL delivers that only on COMMIT,
 * so no worker ever hears of an uncommitted job.
 *
 * Two statements, by what the batch can run into:
 * - **plain INSERT** (no `tx`, no uniqueKey, no id twice in the batch): nothing
 *   should conflict, so the rows are inserted without `ON CONFLICT`, which
 *   would make PostgreSQL insert each row speculatively (an extra check per
 *   unique index and an extra WAL record per row). Queues new to this process
 *   are registered by the same statement. If an id does exist after all
 *   (unique violation), the statement rolled back as a whole and the batch
 *   goes through the second statement.
 * - **INSERT ... ON CONFLICT DO NOTHING RETURNING id**, then the holders of
 *   the rejected rows are read back to report them as duplicates.
 */
import type { EnqueueOutcome, NewJob } from '@switchyard/core';
import { type Database, pgErrorCode, type SqlExecutor } from './database.js';
import { type EncodedBatch, encodeBatch } from './enqueue-batch.js';
import { PGBOSS_SAFE_COLUMNS, PGBOSS_SAFE_VALUES } from './pgboss-columns.js';
import { createQueueSql } from './schema.js';

/** PostgreSQL's unique_violation. */
const UNIQUE_VIOLATION = '23505';

/** Inserts jobs; reports each as created or duplicate (with the id of the job that holds it). */
export class Enqueuer {
  /** Queues known to exist in pg-boss's queue table (the job table's foreign key needs the row). */
  private readonly knownQueues = new Set<string>();
  /** Statement texts by variant, built once. */
  private readonly statements = new Map<string, string>();

  constructor(
    private readonly db: Database,
    private readonly schema: string,
    private readonly channel: string,
  ) {}

  /** Stores `jobs`; with `tx` the rows exist only if that transaction commits. */
  async enqueue(jobs: NewJob[], tx?: SqlExecutor): Promise<EnqueueOutcome[]> {
    if (jobs.length === 0) return [];
    // The same id twice in one batch: only its first occurrence can be created.
    const firstOccurrence = new Map<string, NewJob>();
    for (const job of jobs) if (!firstOccurrence.has(job.id)) firstOccurrence.set(job.id, job);
    const distinct = firstOccurrence.size === jobs.length ? jobs : [...firstOccurrence.values()];
    const batch = encodeBatch(distinct);

    if (!tx && distinct === jobs && batch.uniqueKeys === undefined) {
      const created = await this.insertExpectingNoConflict(jobs, batch);
      if (created) return jobs.map((job) => ({ status: 'created', id: job.id }));
    }
    return this.insertReportingDuplicates(jobs, distinct, batch, tx);
  }

  /**
   * The plain INSERT. True when every job was stored; false when one collided with
   * an existing row (nothing was stored: the statement is atomic).
   */
  private async insertExpectingNoConflict(jobs: NewJob[], batch: EncodedBatch): Promise<boolean> {
    const unknownQueues = this.unknownQueues(jobs);
    try {
      await this.db.queryPrepared('enqueue', this.insertSql(false, unknownQueues.length > 0), [
        batch.ids,
        batch.payloads,
        batch.templateKeys,
        batch.templates,
        batch.metadata,
        this.channel,
        batch.notices,
        ...(unknownQueues.length > 0 ? [unknownQueues] : []),
      ]);
    } catch (error) {
      if (pgErrorCode(error) === UNIQUE_VIOLATION) return false;
      throw error;
    }
    for (const queue of unknownQueues) this.knownQueues.add(queue);
    return true;
  }

  /** `ON CONFLICT DO NOTHING`, then the holder of each rejected job. */
  private async insertReportingDuplicates(
    jobs: NewJob[],
    distinct: NewJob[],
    firstBatch: EncodedBatch,
    tx?: SqlExecutor,
  ): Promise<EnqueueOutcome[]> {
    await this.ensureQueues(distinct);
    const outcomes = new Map<string, EnqueueOutcome>();
    let remaining = distinct;
    let batch = firstBatch;
    // A duplicate whose holder finished between the INSERT and the read-back is inserted again (the key is free now).
    for (let round = 0; round < 3 && remaining.length > 0; round++) {
      if (round > 0) batch = encodeBatch(remaining);
      const created = await this.insertSkippingConflicts(batch, tx);
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

  private async insertSkippingConflicts(batch: EncodedBatch, tx?: SqlExecutor): Promise<Set<string>> {
    const rows = await this.db.query<{ ids: string[] }>(
      'enqueue',
      this.insertSql(true, false),
      [
        batch.ids,
        batch.payloads,
        batch.templateKeys,
        batch.templates,
        batch.metadata,
        this.channel,
        batch.notices,
        batch.uniqueKeys ?? null,
      ],
      tx,
    );
    return new Set(rows[0]?.ids ?? []);
  }

  /**
   * The INSERT for a batch. Parameters: $1 ids, $2 payloads (JSON array), $3 template numbers,
   * $4 templates (JSON), $5 metadata (JSON array or NULL), $6 NOTIFY channel, $7 NOTIFY payloads,
   * then either $8 the unique keys (`skipConflicts`) or $8 the queues to register first (`registerQueues`).
   * Rows are zipped from the arrays by position (`unnest ... WITH ORDINALITY`); payload and metadata
   * are the elements at that position of their JSON arrays, each parsed once.
   */
  private insertSql(skipConflicts: boolean, registerQueues: boolean): string {
    const variant = `${skipConflicts}:${registerQueues}`;
    let sql = this.statements.get(variant);
    if (sql) return sql;
    const s = this.schema;
    const millis = (column: string) => `timestamptz 'epoch' + ${column} * interval '1 millisecond'`;
    // pg-boss's own registration (an INSERT ... ON CONFLICT DO NOTHING into its queue table). The job table's
    // foreign key to it is checked at COMMIT, so one statement can do both.
    const registration = registerQueues
      ? `registered AS (SELECT ${s}.create_queue(q, '{"policy":"standard"}'::jsonb) FROM unnest($8::text[]) AS q),`
      : '';
    const uniqueKeys = skipConflicts
      ? { input: ', $8::text[]', column: 'unique_key, ', value: 'x.unique_key' }
      : undefined;
    // Rows go in in batch order, so of two jobs with the same uniqueKey the first one is created.
    const conflicts = skipConflicts ? 'ORDER BY x.n ON CONFLICT DO NOTHING RETURNING id' : '';
    const createdIds = skipConflicts ? 'array(SELECT id::text FROM ins) AS ids,' : '';
    const registeredCount = registerQueues ? ', (SELECT count(*) FROM registered) AS registered' : '';
    sql = `WITH ${registration}
       template AS (
         SELECT * FROM json_to_recordset($4::json)
           AS t(k int, q text, t text, p int, c bigint, r bigint, m int, o jsonb)
       ),
       -- Parsed once (MATERIALIZED: a generic plan must not re-parse them per row).
       lists AS MATERIALIZED (SELECT $2::jsonb AS payloads, $5::jsonb AS metadata),
       ins AS (
         INSERT INTO ${s}.job (id, name, data, priority, state, retry_limit, start_after, created_on, singleton_key,
                              policy, ${PGBOSS_SAFE_COLUMNS}, sy_task, sy_max_attempts, sy_options, sy_metadata)
         SELECT x.id, t.q, NULLIF(lists.payloads -> (x.n::int - 1), 'null'::jsonb), t.p, 'created',
                -- pg-boss counts retries after the first run; shown in pg-boss tools, not used by Switchyard.
                CASE WHEN t.m IS NULL THEN 2147483647 ELSE GREATEST(t.m - 1, 0) END,
                ${millis('COALESCE(t.r, t.c)')}, ${millis('t.c')},
                ${uniqueKeys?.value ?? 'NULL'}, 'standard', ${PGBOSS_SAFE_VALUES}, t.t, t.m, t.o,
                NULLIF(lists.metadata -> (x.n::int - 1), 'null'::jsonb)
         FROM unnest(string_to_array($1, ',')::uuid[], string_to_array($3, ',')::int[]${uniqueKeys?.input ?? ''})
              WITH ORDINALITY AS x(id, k, ${uniqueKeys?.column ?? ''}n)
         JOIN template t ON t.k = x.k
         CROSS JOIN lists
         ${conflicts}
       )
       SELECT ${createdIds}
              (SELECT count(pg_notify($6, notice)) FROM unnest($7::text[]) AS notice) AS notified${registeredCount}`;
    this.statements.set(variant, sql);
    return sql;
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

  /** Queues of `jobs` this process has not registered yet. */
  private unknownQueues(jobs: readonly NewJob[]): string[] {
    const unknown = new Set<string>();
    for (const job of jobs) if (!this.knownQueues.has(job.queue)) unknown.add(job.queue);
    return [...unknown];
  }

  /** Registers unknown queues with pg-boss (outside any caller transaction; a queue row is harmless). */
  private async ensureQueues(jobs: readonly NewJob[]): Promise<void> {
    for (const queue of this.unknownQueues(jobs)) {
      await this.db.query('create queue', createQueueSql(this.schema), [queue]);
      this.knownQueues.add(queue);
    }
  }
}
