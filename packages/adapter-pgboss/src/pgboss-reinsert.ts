/**
 * pg-boss fails a job (its `fail()`, a worker's handler throwing, the supervisor's "job timed out" and
 * heartbeat checks, dead-lettering) by deleting the row and inserting a copy of pg-boss's own columns
 * in the same statement, which would erase Switchyard's columns (task, options, metadata, ...) of a
 * Switchyard job a plain pg-boss consumer took. Two row triggers on the job partition keep them: the
 * delete of an unfinished Switchyard row stashes its Switchyard columns (keyed by id and transaction),
 * and an insert of a row without a task in the same transaction with the same id takes them back. The
 * triggers' WHEN clauses keep Switchyard's own hot path out of them: its inserts always carry a task,
 * and its retention deletes finished rows only. A stash nobody took back (Switchyard's `jobs.remove`
 * of an unfinished job) is pruned by the upkeep.
 */
import type { Database } from './database.js';

/** Switchyard's columns a pg-boss re-insert would drop (the lease columns are cleared by it on purpose). */
const KEPT = [
  ['sy_task', 'text'],
  ['sy_max_attempts', 'int'],
  ['sy_options', 'jsonb'],
  ['sy_metadata', 'jsonb'],
  ['sy_progress', 'jsonb'],
  ['sy_error', 'jsonb'],
  ['sy_cancel_requested', 'boolean'],
] as const;

/** The stash table, the two trigger functions and the triggers (schema version 5). */
export function reinsertGuardSql(s: string): string[] {
  const columns = KEPT.map(([name]) => name);
  return [
    `CREATE TABLE IF NOT EXISTS ${s}.switchyard_stash (
       id uuid PRIMARY KEY,
       tx xid8 NOT NULL,
       stashed_at timestamptz NOT NULL DEFAULT now(),
       ${KEPT.map(([name, type]) => `${name} ${type}`).join(', ')}
     )`,
    `CREATE OR REPLACE FUNCTION ${s}.switchyard_stash_row() RETURNS trigger LANGUAGE plpgsql AS $f$
     BEGIN
       INSERT INTO ${s}.switchyard_stash (id, tx, ${columns.join(', ')})
       VALUES (OLD.id, pg_current_xact_id(), ${columns.map((c) => `OLD.${c}`).join(', ')})
       ON CONFLICT (id) DO UPDATE SET tx = EXCLUDED.tx, stashed_at = now(),
         ${columns.map((c) => `${c} = EXCLUDED.${c}`).join(', ')};
       RETURN OLD;
     END
     $f$`,
    `CREATE OR REPLACE FUNCTION ${s}.switchyard_restore_row() RETURNS trigger LANGUAGE plpgsql AS $f$
     DECLARE kept ${s}.switchyard_stash%ROWTYPE;
     BEGIN
       DELETE FROM ${s}.switchyard_stash WHERE id = NEW.id AND tx = pg_current_xact_id() RETURNING * INTO kept;
       IF FOUND THEN
         ${columns.map((c) => `NEW.${c} := kept.${c};`).join(' ')}
       END IF;
       RETURN NEW;
     END
     $f$`,
    `DROP TRIGGER IF EXISTS switchyard_stash ON ${s}.job_common`,
    `CREATE TRIGGER switchyard_stash BEFORE DELETE ON ${s}.job_common FOR EACH ROW
       WHEN (OLD.sy_task IS NOT NULL AND OLD.state < 'completed') EXECUTE FUNCTION ${s}.switchyard_stash_row()`,
    `DROP TRIGGER IF EXISTS switchyard_restore ON ${s}.job_common`,
    `CREATE TRIGGER switchyard_restore BEFORE INSERT ON ${s}.job_common FOR EACH ROW
       WHEN (NEW.sy_task IS NULL) EXECUTE FUNCTION ${s}.switchyard_restore_row()`,
  ];
}

/** Deletes stashes older than a minute (their transaction is over: nobody will take them back). */
export async function pruneStash(db: Database, schema: string, now: number): Promise<number> {
  const rows = await db.query(
    'prune re-insert stash',
    `DELETE FROM ${schema}.switchyard_stash WHERE stashed_at < $1 RETURNING 1`,
    [new Date(now - 60_000)],
  );
  return rows.length;
}
