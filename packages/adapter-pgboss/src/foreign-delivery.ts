/**
 * Delivering a claimed row that carries no Switchyard task (a plain pg-boss `send` wrote it): its
 * queue's `foreignJobs` mapping turns it into a Switchyard job, written to the row under the claim's
 * lease before the handler runs; without a mapping, or when the mapping fails, it is delivered as
 * malformed and core fails it (the row keeps pg-boss's raw `data`).
 */
import { MalformedJobError } from '@switchyard/core';
import { type Database, pgErrorCode } from './database.js';
import type { ClaimedRow } from './fetch.js';
import { adoptedFields, adoptedRow, adoptRow, type ForeignJobs } from './foreign-jobs.js';

/** PostgreSQL's unique_violation. */
const UNIQUE_VIOLATION = '23505';

/** The row to deliver (adopted, or as it is with the reason it is malformed); undefined when the lease is gone. */
export async function foreignDelivery(
  env: { db: Database; schema: string; foreign: ForeignJobs },
  row: ClaimedRow,
): Promise<{ row: ClaimedRow; malformed?: Error } | undefined> {
  const mapping = env.foreign.mappingOf(row.name);
  if (mapping === undefined) {
    return {
      row,
      malformed: new MalformedJobError(
        `pgboss: job ${row.id} was not written by Switchyard (no task: a plain pg-boss send?) and queue "${row.name}" has no foreignJobs mapping`,
      ),
    };
  }
  let fields: ReturnType<typeof adoptedFields>;
  try {
    fields = adoptedFields(mapping, row);
  } catch (error) {
    return { row, malformed: error as Error };
  }
  try {
    if (!(await adoptRow(env.db, env.schema, row, fields))) return undefined;
  } catch (error) {
    // pg-boss's singletonKey is Switchyard's uniqueKey: an unfinished job of the same task holds it.
    if (pgErrorCode(error) !== UNIQUE_VIOLATION) throw error;
    return {
      row,
      malformed: new MalformedJobError(
        `pgboss: job ${row.id} cannot become a "${fields.task}" job: its singletonKey "${row.singleton_key}" is held by an unfinished job of that task`,
        { cause: error },
      ),
    };
  }
  return { row: adoptedRow(row, fields) };
}
