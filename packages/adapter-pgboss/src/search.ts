/**
 * `jobs.list` with filters, as one bounded statement. Three layers:
 *
 * 1. **The walk**: job rows newest first by id, `id < cursor`, at most `scanLimit` of them
 *    (`LIMIT`), along one index whose condition is part of the filter, so the rows it
 *    skips are skipped inside the index: the states index `(state, id)` when every asked
 *    state is one a job enters once (retrying, completed, failed, cancelled; one branch
 *    per pg-boss state, merged in id order), the lease index for running jobs (few: the
 *    cluster's concurrency), pg-boss's primary key `(name, id)` for a queue, else the id
 *    index.
 * 2. **The filter**, evaluated on each walked row (`row_number()` counts them): every
 *    condition of the query, as SQL (jsonb `@>` for metadata, `->` equality per payload key).
 * 3. **The page**: the first `limit + 1` matching rows, plus the last walked row (number
 *    `scanLimit`) when the walk used its whole budget, so the caller can tell "no more
 *    rows" from "budget spent" and continue after the last row examined.
 *
 * PostgreSQL runs this lazily: the walk stops as soon as the page is full.
 */
import type { JobState, NormalizedListQuery } from '@switchyard/core';
import { JOB_COLUMNS, type PgBossState, statePredicate } from './codec.js';

/**
 * Planner settings the list statement runs with. Every walk above produces id order by
 * itself; with sorts and bitmap scans disabled PostgreSQL cannot swap one for "read every
 * matching row, then sort", which it would choose when its statistics say a queue or state
 * holds few rows (stale after a burst: the page would then cost O(rows) instead of the
 * budget). The running jobs' sort remains (nothing else yields their order), which is why
 * JIT is off too: a disabled node's cost would otherwise make every list compile itself.
 */
export const LIST_PLANNER_SETTINGS: Readonly<Record<string, string>> = Object.freeze({
  enable_sort: 'off',
  enable_bitmapscan: 'off',
  enable_seqscan: 'off',
  jit: 'off',
});

/** The pg-boss states a Switchyard state is stored as. */
const STORED_AS: Record<JobState, PgBossState[]> = {
  scheduled: ['created'],
  pending: ['created', 'retry'],
  retrying: ['retry'],
  running: ['active'],
  completed: ['completed'],
  failed: ['failed'],
  cancelled: ['cancelled'],
};

const FINISHED: readonly JobState[] = ['completed', 'failed', 'cancelled'];

/** Which index a list walks. */
export type ListWalk = { kind: 'states'; states: PgBossState[] } | { kind: 'queue' } | { kind: 'id' };

/** A statement to run, with its parameters. */
export interface ListStatement {
  text: string;
  values: unknown[];
  walk: ListWalk;
}

/**
 * The states a query can match: its `states`, narrowed to finished states by
 * `finishedBefore` (only a finished job has a finish time). `[]` when nothing can match;
 * undefined when any state can.
 */
export function matchableStates(query: Pick<NormalizedListQuery, 'states' | 'finishedBefore'>) {
  if (query.finishedBefore === undefined) return query.states;
  return (query.states ?? FINISHED).filter((state) => FINISHED.includes(state));
}

/** Picks the index to walk (pure). `created` rows (scheduled, pending) are in no state index. */
export function chooseWalk(states: readonly JobState[] | undefined, queue: string | undefined): ListWalk {
  if (states !== undefined) {
    const stored = [...new Set(states.flatMap((state) => STORED_AS[state]))].sort();
    if (!stored.includes('created')) return { kind: 'states', states: stored };
  }
  return queue !== undefined ? { kind: 'queue' } : { kind: 'id' };
}

/** Builds the list statement; null when no job can match (nothing to run). */
export function buildListStatement(
  schema: string,
  query: NormalizedListQuery,
  now: number,
): ListStatement | null {
  const states = matchableStates(query);
  if (states !== undefined && states.length === 0) return null;
  const values: unknown[] = [];
  const param = (value: unknown, type: string): string => {
    values.push(value);
    return `$${values.length}::${type}`;
  };
  let nowParam: string | undefined;
  const nowOnce = (): string => {
    nowParam ??= param(new Date(now), 'timestamptz');
    return nowParam;
  };

  const walk = chooseWalk(states, query.queue);
  const scan = param(query.scanLimit, 'bigint');
  const cursor = query.cursor === undefined ? '' : ` AND j.id < ${param(query.cursor, 'uuid')}`;
  const queueParam = query.queue === undefined ? undefined : param(query.queue, 'text');
  const branchOf = (from: string, condition: string) =>
    `(SELECT * FROM ${from} WHERE ${condition}${cursor} ORDER BY j.id DESC LIMIT ${scan})`;
  const table = `(SELECT ${JOB_COLUMNS} FROM ${schema}.job j) j`;
  const branches =
    walk.kind === 'states'
      ? walk.states.map((state) =>
          // Running rows are few and only the lease index holds them: read them all, then order them.
          state === 'active' ? branchOf('sy_running j', 'true') : branchOf(table, `j.state = '${state}'`),
        )
      : [branchOf(table, walk.kind === 'queue' ? `j.name = ${queueParam}` : 'true')];
  const running =
    walk.kind === 'states' && walk.states.includes('active')
      ? `WITH sy_running AS MATERIALIZED (SELECT ${JOB_COLUMNS} FROM ${schema}.job j WHERE j.state = 'active') `
      : '';

  const filter: string[] = [];
  if (states !== undefined) {
    filter.push(`(${states.map((state) => `(${statePredicate(state, '__NOW__')})`).join(' OR ')})`);
  }
  if (queueParam !== undefined && walk.kind !== 'queue') filter.push(`j.name = ${queueParam}`);
  if (query.task !== undefined) filter.push(`j.sy_task = ${param(query.task, 'text')}`);
  if (query.createdAfter !== undefined)
    filter.push(`j.created_on >= ${param(query.createdAfter, 'timestamptz')}`);
  if (query.createdBefore !== undefined)
    filter.push(`j.created_on < ${param(query.createdBefore, 'timestamptz')}`);
  if (query.finishedBefore !== undefined)
    filter.push(`j.completed_on < ${param(query.finishedBefore, 'timestamptz')}`);
  if (query.metadata !== undefined)
    filter.push(`j.sy_metadata @> ${param(JSON.stringify(query.metadata), 'jsonb')}`);
  if (query.payload !== undefined) {
    for (const [key, value] of Object.entries(query.payload)) {
      // Deep JSON equality of the top-level key (containment would also accept a superset).
      filter.push(`j.data -> ${param(key, 'text')} = ${param(JSON.stringify(value), 'jsonb')}`);
    }
  }
  // The time is a parameter only when a state predicate needs it (an unused parameter has no type).
  let condition = filter.length > 0 ? filter.join(' AND ') : 'true';
  if (condition.includes('__NOW__')) condition = condition.replaceAll('__NOW__', nowOnce());
  const limit = param(query.limit + 1, 'bigint');

  const text = `${running}SELECT e.* FROM (
      SELECT j.*, row_number() OVER (ORDER BY j.id DESC) AS sy_n, (${condition}) AS sy_hit
        FROM (${branches.join(' UNION ALL ')}) j
       ORDER BY j.id DESC LIMIT ${scan}
    ) e
    WHERE e.sy_hit OR e.sy_n = ${scan}
    ORDER BY e.id DESC LIMIT ${limit}`;
  return { text, values, walk };
}

/** A row of the list statement: the job's columns, its number in the walk and whether it matched. */
export interface ListedRow {
  id: string;
  sy_n: string | number;
  sy_hit: boolean;
}

/**
 * Splits the statement's rows into the page and its cursor: a full page continues after
 * its last job; a page cut short by the scan budget continues after the last row walked;
 * otherwise the walk reached the end and there is no next page.
 */
export function pageOf<R extends ListedRow>(
  rows: readonly R[],
  limit: number,
  scanLimit: number,
): { rows: R[]; nextCursor?: string } {
  const hits = rows.filter((row) => row.sy_hit);
  if (hits.length > limit) {
    const page = hits.slice(0, limit);
    return { rows: page, nextCursor: page[page.length - 1]!.id };
  }
  const lastWalked = rows.find((row) => Number(row.sy_n) === scanLimit);
  return lastWalked ? { rows: hits, nextCursor: lastWalked.id } : { rows: hits };
}
