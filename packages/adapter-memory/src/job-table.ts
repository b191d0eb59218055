import { JOB_STATES, type JobCounts, type JobState } from '@switchyard/core';
import type { JobRow } from './job-row.js';

/** States that hold a job's unique key. */
export function isUnfinished(state: JobState): boolean {
  return state !== 'completed' && state !== 'failed' && state !== 'cancelled';
}

function zeroCounts(): JobCounts {
  const counts = {} as JobCounts;
  for (const state of JOB_STATES) counts[state] = 0;
  return counts;
}

function uniqueSlot(task: string, uniqueKey: string): string {
  return `${task}\u0000${uniqueKey}`;
}

/**
 * The job rows and the indexes kept beside them: id order for paging, counts
 * per state (kept incrementally, so `counts()` is O(1)), unique keys held by
 * unfinished jobs, and the queues ever seen. Every state change goes through
 * `setState` so the indexes never drift.
 */
export class JobTable {
  private readonly rows = new Map<string, JobRow>();
  /** Rows sorted by id. Removed rows stay until compaction (`rows.get(id) !== row` marks them). */
  private readonly byId: JobRow[] = [];
  private deadInById = 0;
  private readonly totals = zeroCounts();
  private readonly perQueue = new Map<string, JobCounts>();
  private readonly uniqueHolders = new Map<string, JobRow>();
  private readonly knownQueues = new Set<string>();

  /** Number of stored jobs. */
  get size(): number {
    return this.rows.size;
  }

  get(id: string): JobRow | undefined {
    return this.rows.get(id);
  }

  /**
   * The stored row with this id, for a duplicate check on insert. Core's ids grow
   * over time, so an id above every id ever stored cannot exist: that common case
   * skips the hash lookup (a cache miss on a large store).
   */
  existing(id: string): JobRow | undefined {
    const newest = this.byId[this.byId.length - 1];
    if (newest === undefined || id > newest.id) return undefined;
    return this.rows.get(id);
  }

  /** The unfinished job holding (task, uniqueKey), if any. */
  uniqueHolder(task: string, uniqueKey: string): JobRow | undefined {
    return this.uniqueHolders.get(uniqueSlot(task, uniqueKey));
  }

  /** Stores a new row (its id must be free) and claims its unique key. */
  insert(row: JobRow): void {
    this.rows.set(row.id, row);
    this.insertById(row);
    this.knownQueues.add(row.queue);
    this.adjust(row.queue, row.state, 1);
    if (row.uniqueKey !== undefined && isUnfinished(row.state)) {
      this.uniqueHolders.set(uniqueSlot(row.task, row.uniqueKey), row);
    }
  }

  /** Moves a row to `next`, keeping counts and unique keys in step. */
  setState(row: JobRow, next: JobState): void {
    const previous = row.state;
    if (previous === next) return;
    row.state = next;
    this.adjust(row.queue, previous, -1);
    this.adjust(row.queue, next, 1);
    if (row.uniqueKey === undefined) return;
    const slot = uniqueSlot(row.task, row.uniqueKey);
    if (isUnfinished(next)) {
      if (!isUnfinished(previous)) this.uniqueHolders.set(slot, row);
    } else if (this.uniqueHolders.get(slot) === row) {
      this.uniqueHolders.delete(slot);
    }
  }

  /** Deletes a row, its count and its unique key. */
  delete(row: JobRow): boolean {
    if (this.rows.get(row.id) !== row) return false;
    this.rows.delete(row.id);
    this.adjust(row.queue, row.state, -1);
    if (row.uniqueKey !== undefined) {
      const slot = uniqueSlot(row.task, row.uniqueKey);
      if (this.uniqueHolders.get(slot) === row) this.uniqueHolders.delete(slot);
    }
    this.deadInById++;
    // Compact lazily so deleting many rows (retention) stays linear overall.
    if (this.deadInById > 1024 && this.deadInById > this.byId.length / 2) this.compact();
    return true;
  }

  /** Count per state, overall or for one queue. */
  counts(queue?: string): JobCounts {
    const source = queue === undefined ? this.totals : this.perQueue.get(queue);
    return source ? { ...source } : zeroCounts();
  }

  /** Queues that ever held a job. */
  queues(): Iterable<string> {
    return this.knownQueues;
  }

  /**
   * Live rows newest first (by id, descending), starting strictly below `beforeId`
   * when given. Stable under inserts: new ids sort above every existing one.
   */
  *newestFirst(beforeId?: string): Generator<JobRow> {
    const byId = this.byId;
    let index = beforeId === undefined ? byId.length - 1 : this.firstIndexAtOrAbove(beforeId) - 1;
    for (; index >= 0; index--) {
      const row = byId[index]!;
      if (this.rows.get(row.id) === row) yield row;
    }
  }

  private adjust(queue: string, state: JobState, delta: number): void {
    this.totals[state] += delta;
    let counts = this.perQueue.get(queue);
    if (!counts) {
      counts = zeroCounts();
      this.perQueue.set(queue, counts);
    }
    counts[state] += delta;
  }

  private insertById(row: JobRow): void {
    const byId = this.byId;
    const last = byId[byId.length - 1];
    // Core's ids are time ordered, so appending is the common case.
    if (last === undefined || last.id < row.id) {
      byId.push(row);
      return;
    }
    byId.splice(this.firstIndexAtOrAbove(row.id), 0, row);
  }

  /** Index of the first row whose id is >= `id` (binary search). */
  private firstIndexAtOrAbove(id: string): number {
    const byId = this.byId;
    let low = 0;
    let high = byId.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (byId[middle]!.id < id) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  private compact(): void {
    let write = 0;
    const byId = this.byId;
    for (let read = 0; read < byId.length; read++) {
      const row = byId[read]!;
      if (this.rows.get(row.id) === row) byId[write++] = row;
    }
    byId.length = write;
    this.deadInById = 0;
  }
}
