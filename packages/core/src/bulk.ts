/**
 * Bulk actions over a filter: page through matching jobs (never all in memory) and
 * apply the action to each page with one conditional adapter call, so a job that
 * changed state since it was listed is skipped, not clobbered.
 */
import type { Duration } from './duration.js';
import { parseDuration } from './duration.js';
import { InvalidOptionsError } from './errors.js';
import {
  type JobFilter,
  type JobPage,
  type JobRecord,
  type JobState,
  type ListJobsQuery,
  type NormalizedListQuery,
  TERMINAL_STATES,
} from './job.js';
import { isEmptyFilter, JOB_FILTER_KEYS, LIST_SCAN_LIMIT, normalizeJobFilter } from './job-filter.js';
import type { BulkAction, BulkOutcome } from './operations-contract.js';

/** States each action applies to when the filter names none (or the subset of the named ones). */
export const BULK_ACTION_STATES: Record<BulkAction, readonly JobState[]> = {
  retry: ['failed', 'cancelled'],
  cancel: ['scheduled', 'pending', 'retrying', 'running'],
  // Removing a running job is allowed only when the filter names `running` explicitly.
  remove: ['scheduled', 'pending', 'retrying', 'completed', 'failed', 'cancelled'],
};

/** Options of `jobs.bulk`. */
export interface BulkOptions {
  /** Which jobs: the filters of `jobs.list` (no `limit` or `cursor`). */
  filter: Omit<ListJobsQuery, 'limit' | 'cursor'>;
  action: BulkAction;
  /** Required (true) when `filter` is empty, so "every job" is never an accident. */
  all?: boolean;
  /** Jobs per page (and per adapter call), default 500, at most 1000. */
  batchSize?: number;
  /** Called after each page. */
  onProgress?: (progress: BulkProgress) => void;
}

/** Progress and result of a bulk action. */
export interface BulkProgress {
  /** Jobs that matched the filter and were looked at. */
  matched: number;
  /** Jobs the action changed. */
  changed: number;
  /** Running jobs whose cancel was requested. */
  requested: number;
  /** Jobs skipped: in a state the action does not apply to, or changed since listed. */
  skipped: number;
}

/** Options of `jobs.clean`. */
export interface CleanOptions {
  /** A finished state: 'completed', 'failed' or 'cancelled'. */
  state: JobState;
  /** Remove jobs that finished longer ago than this. */
  olderThan: Duration;
  queue?: string;
  batchSize?: number;
  onProgress?: (progress: BulkProgress) => void;
}

const BULK_KEYS = new Set(['filter', 'action', 'all', 'batchSize', 'onProgress']);

/** A bulk action, validated: what to list and what to apply. */
export interface BulkPlan {
  filter: JobFilter;
  action: BulkAction;
  /** States the action may change (the adapter re-checks them atomically). */
  onlyIn: JobState[];
  batchSize: number;
  onProgress?: (progress: BulkProgress) => void;
}

/** Validates `jobs.bulk` options. */
export function planBulk(options: BulkOptions): BulkPlan {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionsError('jobs.bulk takes { filter, action }');
  }
  for (const key of Object.keys(options)) {
    if (!BULK_KEYS.has(key)) throw new InvalidOptionsError(`jobs.bulk: unknown option "${key}"`);
  }
  if (!['retry', 'cancel', 'remove'].includes(options.action)) {
    throw new InvalidOptionsError(
      `jobs.bulk: action must be 'retry', 'cancel' or 'remove', got ${JSON.stringify(options.action)}`,
    );
  }
  const filter = normalizeJobFilter(options.filter ?? {}, 'jobs.bulk filter', JOB_FILTER_KEYS);
  if (isEmptyFilter(filter) && options.all !== true) {
    throw new InvalidOptionsError('jobs.bulk: an empty filter matches every job; pass all: true to mean it');
  }
  if (options.all !== undefined && typeof options.all !== 'boolean') {
    throw new InvalidOptionsError('jobs.bulk: all must be a boolean');
  }
  const applicable = BULK_ACTION_STATES[options.action];
  const onlyIn = filter.states
    ? filter.states.filter(
        (state) => applicable.includes(state) || (options.action === 'remove' && state === 'running'),
      )
    : [...applicable];
  if (onlyIn.length === 0) {
    throw new InvalidOptionsError(
      `jobs.bulk: ${options.action} applies to ${applicable.join(', ')}; the filter names none of them`,
    );
  }
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    throw new InvalidOptionsError('jobs.bulk: onProgress must be a function');
  }
  const plan: BulkPlan = {
    filter: { ...filter, states: onlyIn },
    action: options.action,
    onlyIn,
    batchSize: checkBatchSize(options.batchSize),
  };
  if (options.onProgress) plan.onProgress = options.onProgress;
  return plan;
}

/** Validates `jobs.clean` options into a bulk removal of old finished jobs. */
export function planClean(options: CleanOptions, now: number): BulkPlan {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionsError('jobs.clean takes { state, olderThan, queue? }');
  }
  for (const key of Object.keys(options)) {
    if (!['state', 'olderThan', 'queue', 'batchSize', 'onProgress'].includes(key)) {
      throw new InvalidOptionsError(`jobs.clean: unknown option "${key}"`);
    }
  }
  if (!TERMINAL_STATES.includes(options.state)) {
    throw new InvalidOptionsError(
      `jobs.clean: state must be one of ${TERMINAL_STATES.join(', ')} (use jobs.bulk to remove waiting jobs), got ${JSON.stringify(options.state)}`,
    );
  }
  if (options.olderThan === undefined) throw new InvalidOptionsError('jobs.clean: olderThan is required');
  const olderThanMs = parseDuration(options.olderThan, 'jobs.clean: olderThan');
  return planBulk({
    filter: {
      state: options.state,
      finishedBefore: now - olderThanMs,
      ...(options.queue !== undefined ? { queue: options.queue } : {}),
    },
    action: 'remove',
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
}

function checkBatchSize(size: unknown): number {
  if (size === undefined) return 500;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > 1000) {
    throw new InvalidOptionsError(
      `jobs.bulk: batchSize must be an integer 1..1000, got ${JSON.stringify(size)}`,
    );
  }
  return size;
}

/** What `runBulk` needs from the yard. */
export interface BulkTarget {
  list(query: NormalizedListQuery): Promise<JobPage>;
  bulk(ids: string[], action: BulkAction, onlyIn: JobState[]): Promise<BulkOutcome>;
  /** Called with the jobs the action changed (for events and metrics). */
  changed(jobs: JobRecord[], action: BulkAction): void;
}

/** Pages through the filter and applies the action page by page. */
export async function runBulk(plan: BulkPlan, target: BulkTarget): Promise<BulkProgress> {
  const progress: BulkProgress = { matched: 0, changed: 0, requested: 0, skipped: 0 };
  let cursor: string | undefined;
  do {
    const page = await target.list({
      ...plan.filter,
      limit: plan.batchSize,
      scanLimit: LIST_SCAN_LIMIT,
      ...(cursor !== undefined ? { cursor } : {}),
    });
    cursor = page.nextCursor;
    if (page.jobs.length === 0) continue;
    const outcome = await target.bulk(
      page.jobs.map((job) => job.id),
      plan.action,
      plan.onlyIn,
    );
    const changed = new Set(outcome.changed);
    progress.matched += page.jobs.length;
    progress.changed += outcome.changed.length;
    progress.requested += outcome.requested.length;
    progress.skipped += page.jobs.length - outcome.changed.length - outcome.requested.length;
    if (changed.size > 0)
      target.changed(
        page.jobs.filter((job) => changed.has(job.id)),
        plan.action,
      );
    plan.onProgress?.({ ...progress });
  } while (cursor !== undefined);
  return progress;
}
