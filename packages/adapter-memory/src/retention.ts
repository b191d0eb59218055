import type { JobRow } from './job-row.js';

/** How long finished jobs are kept (`undefined` = forever). */
export interface RetentionPolicy {
  completedMs?: number;
  failedMs?: number;
}

/** Rows in the order they finished, with the finish time they had then (a row may finish twice after a manual retry). */
class FinishLog {
  private rows: JobRow[] = [];
  private finishedAts: number[] = [];
  private head = 0;

  get isEmpty(): boolean {
    return this.head >= this.rows.length;
  }

  add(row: JobRow, finishedAt: number): void {
    this.rows.push(row);
    this.finishedAts.push(finishedAt);
  }

  /** Takes entries that finished at or before `cutoff` and still describe their row's current finish. */
  *takeUpTo(cutoff: number): Generator<JobRow> {
    while (this.head < this.rows.length && this.finishedAts[this.head]! <= cutoff) {
      const row = this.rows[this.head]!;
      const finishedAt = this.finishedAts[this.head]!;
      this.head++;
      if (row.finishedAt === finishedAt) yield row;
    }
    // Drop the consumed prefix once it dominates (or is everything), keeping the sweep linear overall.
    if (this.head === this.rows.length || (this.head > 1024 && this.head * 2 > this.rows.length)) {
      this.rows = this.rows.slice(this.head);
      this.finishedAts = this.finishedAts.slice(this.head);
      this.head = 0;
    }
  }
}

/**
 * Finished jobs in finish order, so a sweep removes expired ones from the front
 * without scanning the store. Completed jobs use `completedMs`; failed and
 * cancelled jobs use `failedMs`.
 */
export class RetentionLog {
  private policy: RetentionPolicy = {};
  private readonly completed = new FinishLog();
  private readonly failedOrCancelled = new FinishLog();

  /** Sets the policy (from the adapter's start context). */
  configure(policy: RetentionPolicy): void {
    this.policy = { ...policy };
  }

  /** True while some finished job waits for its retention to run out. */
  get hasEntries(): boolean {
    return !this.completed.isEmpty || !this.failedOrCancelled.isEmpty;
  }

  /** Records that `row` just finished (its `finishedAt` is set); true when it will be removed later. */
  noteFinished(row: JobRow): boolean {
    if (row.finishedAt === undefined) return false;
    if (row.state === 'completed') {
      if (this.policy.completedMs === undefined) return false;
      this.completed.add(row, row.finishedAt);
    } else {
      if (this.policy.failedMs === undefined) return false;
      this.failedOrCancelled.add(row, row.finishedAt);
    }
    return true;
  }

  /** Rows whose retention ran out by `now`. */
  *expired(now: number): Generator<JobRow> {
    if (this.policy.completedMs !== undefined) {
      for (const row of this.completed.takeUpTo(now - this.policy.completedMs)) {
        if (row.state === 'completed') yield row;
      }
    }
    if (this.policy.failedMs !== undefined) {
      for (const row of this.failedOrCancelled.takeUpTo(now - this.policy.failedMs)) {
        if (row.state === 'failed' || row.state === 'cancelled') yield row;
      }
    }
  }
}
