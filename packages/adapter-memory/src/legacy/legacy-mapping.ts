/**
 * Pure translations between the legacy task-queue vocabulary and Switchyard's:
 * priorities, statuses and counts.
 */
import { InvalidOptionsError, type JobCounts, type JobRecord, type JobState } from '@switchyard/core';

/** Task statuses as legacy call sites know them. */
export const LegacyTaskStatus = {
  PENDING: 'pending',
  RUNNING: 'running',
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
} as const;
/** One legacy status. */
export type LegacyTaskStatus = (typeof LegacyTaskStatus)[keyof typeof LegacyTaskStatus];

/** A task as legacy call sites read it (`getTask`, `listTasks`). */
export interface LegacyTask<Data = unknown> {
  /** The Switchyard job id (a UUID; legacy ids were process-local counters). */
  id: string;
  type: string;
  data: Data;
  priority: number;
  status: LegacyTaskStatus;
  createdAt: Date;
  startedAt?: Date;
  completedAt?: Date;
  result?: unknown;
  /** The error message of the last failed attempt. */
  error?: string;
  /** Attempts started so far (new: the legacy queue never retried). */
  attempts: number;
}

/** Counts per legacy status, as `stats()` returns them. */
export interface LegacyQueueStats {
  pending: number;
  running: number;
  completed: number;
  failed: number;
  cancelled: number;
  total: number;
}

/** The legacy default priority (`TaskPriority.NORMAL`). */
export const LEGACY_DEFAULT_PRIORITY = 5;

/**
 * Legacy priority → Switchyard priority. Both are "lower runs first"; the legacy
 * heap took any integer, Switchyard takes 0..9, so values outside are clamped
 * (the relative order of 0..9 is kept exactly).
 */
export function toSwitchyardPriority(priority: number | undefined): number {
  if (priority === undefined) return LEGACY_DEFAULT_PRIORITY;
  if (typeof priority !== 'number' || !Number.isFinite(priority)) {
    throw new InvalidOptionsError(
      `addTask: priority must be a finite number, got ${JSON.stringify(priority)}`,
    );
  }
  return Math.min(9, Math.max(0, Math.round(priority)));
}

/** Which legacy status a Switchyard state shows as. Waiting states (scheduled, retrying) read as pending. */
export const LEGACY_STATUS_OF_STATE: Readonly<Record<JobState, LegacyTaskStatus>> = Object.freeze({
  scheduled: 'pending',
  pending: 'pending',
  retrying: 'pending',
  running: 'running',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
});

/** The Switchyard states behind one legacy status. */
export function statesOfLegacyStatus(status: LegacyTaskStatus): JobState[] {
  const states = (Object.keys(LEGACY_STATUS_OF_STATE) as JobState[]).filter(
    (state) => LEGACY_STATUS_OF_STATE[state] === status,
  );
  if (states.length === 0) {
    throw new InvalidOptionsError(`listTasks: unknown status ${JSON.stringify(status)}`);
  }
  return states;
}

/** A Switchyard job seen as a legacy task; `type` is the job's task name without the facade's prefix. */
export function legacyTaskOfJob(job: JobRecord, type: string): LegacyTask {
  return {
    id: job.id,
    type,
    data: job.payload,
    priority: job.priority,
    status: LEGACY_STATUS_OF_STATE[job.state],
    createdAt: job.createdAt,
    ...(job.startedAt ? { startedAt: job.startedAt } : {}),
    ...(job.finishedAt ? { completedAt: job.finishedAt } : {}),
    ...(job.result !== undefined ? { result: job.result } : {}),
    ...(job.error ? { error: job.error.message } : {}),
    attempts: job.attempt,
  };
}

/** Switchyard counts → legacy `stats()`. */
export function legacyStatsOfCounts(counts: JobCounts): LegacyQueueStats {
  const stats: LegacyQueueStats = { pending: 0, running: 0, completed: 0, failed: 0, cancelled: 0, total: 0 };
  for (const [state, count] of Object.entries(counts) as [JobState, number][]) {
    stats[LEGACY_STATUS_OF_STATE[state]] += count;
    stats.total += count;
  }
  return stats;
}
