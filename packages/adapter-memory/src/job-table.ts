import { JOB_STATES, type JobCounts, type JobState } from '@switchyard/core';
import type { JobRow } from './job-row.js';

/** States that hold a job's unique key. */
export function isUnfinished(state: JobState): boolean {
  return state !== 'completed' && state !== 'failed' && state !== 'cancelled';
}

/** A counter per state, indexed like `JOB_STATES` (array slots are cheaper than keyed properties). */
type StateCounts = number[];

/** Position of `state` in `JOB_STATES` (a switch on interned strings beats a keyed lookup). */
function stateIndex(state: JobState): number {
  switch (state) {
    case 'scheduled':
      return 0;
    case 'pending':
      return 1;
    case 'running':
      return 2;
    case 'retrying':
      return 3;
    case 'completed':
      return 4;
    case 'failed':
      return 5;
    case 'cancelled':
      return 6;
  }
}

function zeroCounts(): StateCounts {
  return JOB_STATES.map(() => 0);
}

function toJobCounts(counts: StateCounts | undefined): JobCounts {
  const out = {} as JobCounts;
  JOB_STATES.forEach((state, index) => {
    out[state] = counts?.[index] ?? 0;
  });
  return out;
}

function uniqueSlot(task: string, uniqueKey: string): string {
  return `${task}\u0000${uniqueKey}`;
}

/**
 * The job rows and the indexes kept beside them: id order (for lookups and
 * paging), counts per state (kept incrementally, so `counts()` is O(1)),
 * unique keys held by unfinished jobs, and the queues ever seen. Every state
 * change goes through `setState` so the indexes never drift.
 *
 * Rows live in one array sorted by id, found by binary search: core's ids grow
 * over time, so inserting is an append, and no hash map has to grow with the store.
 */
export class JobTable {
  /** Rows sorted by id. Deleted rows stay (marked `deleted`) until compaction. */
  private readonly byId: JobRow[] = [];
  private deadInById = 0;
  private liveRows = 0;
  private readonly totals = zeroCounts();
  private readonly perQueue = new Map<string, StateCounts>();
  /** The counts of the queue last adjusted: consecutive changes are mostly to one queue. */
  private lastQueue: string | undefined = undefined;
  private lastQueueCounts: StateCounts = this.totals;
  private readonly uniqueHolders = new Map<string, JobRow>();
  private readonly knownQueues = new Set<string>();

  /** Number of stored jobs. */
  get size(): number {
    return this.liveRows;
  }

  get(id: string): JobRow | undefined {
    const byId = this.byId;
    for (let index = this.firstIndexAtOrAbove(id); index < byId.length; index++) {
      const row = byId[index]!;
      if (row.id !== id) return undefined;
      if (!row.deleted) return row;
    }
    return undefined;
  }

  /**
   * The stored row with this id, for a duplicate check on insert. Core's ids grow
   * over time, so an id above every id ever stored cannot exist: that common case
   * skips the search.
   */
  existing(id: string): JobRow | undefined {
    const newest = this.byId[this.byId.length - 1];
    if (newest === undefined || id > newest.id) return undefined;
    return this.get(id);
  }

  /** The unfinished job holding (task, uniqueKey), if any. */
  uniqueHolder(task: string, uniqueKey: string): JobRow | undefined {
    return this.uniqueHolders.get(uniqueSlot(task, uniqueKey));
  }

  /** Stores a new row (its id must be free) and claims its unique key. */
  insert(row: JobRow): void {
    this.insertById(row);
    this.liveRows++;
    this.adjust(row.queue, stateIndex(row.state), 1);
    if (row.uniqueKey !== undefined && isUnfinished(row.state)) {
      this.uniqueHolders.set(uniqueSlot(row.task, row.uniqueKey), row);
    }
  }

  /** Moves a row to `next`, keeping counts and unique keys in step. */
  setState(row: JobRow, next: JobState): void {
    const previous = row.state;
    if (previous === next) return;
    row.state = next;
    this.move(row.queue, stateIndex(previous), stateIndex(next));
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
    if (row.deleted) return false;
    row.deleted = true;
    this.liveRows--;
    this.adjust(row.queue, stateIndex(row.state), -1);
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
    return toJobCounts(queue === undefined ? this.totals : this.perQueue.get(queue));
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
      if (!row.deleted) yield row;
    }
  }

  private queueCounts(queue: string): StateCounts {
    if (queue === this.lastQueue) return this.lastQueueCounts;
    let counts = this.perQueue.get(queue);
    if (counts === undefined) {
      counts = zeroCounts();
      this.perQueue.set(queue, counts);
      this.knownQueues.add(queue);
    }
    this.lastQueue = queue;
    this.lastQueueCounts = counts;
    return counts;
  }

  private adjust(queue: string, state: number, delta: number): void {
    this.totals[state]! += delta;
    this.queueCounts(queue)[state]! += delta;
  }

  private move(queue: string, from: number, to: number): void {
    const totals = this.totals;
    totals[from]!--;
    totals[to]!++;
    const counts = this.queueCounts(queue);
    counts[from]!--;
    counts[to]!++;
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
      if (!row.deleted) byId[write++] = row;
    }
    byId.length = write;
    this.deadInById = 0;
  }
}
