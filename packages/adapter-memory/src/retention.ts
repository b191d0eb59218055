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
    // Drop the consumed prefix once it dominates, keeping the sweep linear overall.
    if (this.head > 1024 && this.head * 2 > this.rows.length) {
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

  /** True when anything is ever removed. */
  get active(): boolean {
    return this.policy.completedMs !== undefined || this.policy.failedMs !== undefined;
  }

  /** Records that `row` just finished (its `finishedAt` is set). */
  noteFinished(row: JobRow): void {
    if (row.finishedAt === undefined) return;
    if (row.state === 'completed') {
      if (this.policy.completedMs !== undefined) this.completed.add(row, row.finishedAt);
    } else if (this.policy.failedMs !== undefined) {
      this.failedOrCancelled.add(row, row.finishedAt);
    }
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
