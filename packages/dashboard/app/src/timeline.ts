/**
 * A job's attempts on a timeline, from what the record says (creation, last start and
 * finish, attempt count, last error) and the events seen while the page is open (pure).
 * The record keeps only the last attempt's times; earlier attempts show what events told.
 */
import type { Job, JobEvent } from './types.ts';

/** One attempt. */
export interface AttemptSpan {
  attempt: number;
  startedAt?: string;
  endedAt?: string;
  /** `running` until it ends. */
  outcome: 'running' | 'completed' | 'failed' | 'retrying' | 'cancelled' | 'stalled' | 'unknown';
  error?: string;
  durationMs?: number;
  workerId?: string;
}

/** The timeline: when the job was created, when it was ready, and its attempts in order. */
export interface JobTimeline {
  createdAt: string;
  runAt: string;
  attempts: AttemptSpan[];
}

const OUTCOME_OF: Partial<Record<JobEvent['type'], AttemptSpan['outcome']>> = {
  completed: 'completed',
  failed: 'failed',
  retrying: 'retrying',
  cancelled: 'cancelled',
  stalled: 'stalled',
};

/** Builds the timeline of `job` from its record and its events (any order, duplicates allowed). */
export function buildTimeline(job: Job, events: JobEvent[]): JobTimeline {
  const spans = new Map<number, AttemptSpan>();
  const span = (attempt: number): AttemptSpan => {
    let found = spans.get(attempt);
    if (!found) {
      found = { attempt, outcome: 'unknown' };
      spans.set(attempt, found);
    }
    return found;
  };
  // Earlier attempts: known only to exist, unless events tell more.
  for (let attempt = 1; attempt < job.attempt; attempt += 1) span(attempt);
  const seen = new Set<string>();
  const ordered = events
    .filter((event) => event.jobId === job.id && !seen.has(event.id) && seen.add(event.id))
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  for (const event of ordered) {
    if (event.attempt < 1) continue;
    const current = span(event.attempt);
    if (event.type === 'started') {
      current.startedAt = event.at;
      current.outcome = 'running';
      if (event.workerId) current.workerId = event.workerId;
    }
    const outcome = OUTCOME_OF[event.type];
    if (outcome) {
      current.outcome = outcome;
      current.endedAt = event.at;
      if (event.error) current.error = `${event.error.name}: ${event.error.message}`;
      if (event.durationMs !== undefined) current.durationMs = event.durationMs;
    }
  }
  // The last attempt: the record is the source of truth for it.
  if (job.attempt >= 1) {
    const last = span(job.attempt);
    if (job.startedAt) last.startedAt = job.startedAt;
    if (job.state === 'running') last.outcome = 'running';
    else if (
      job.state === 'completed' ||
      job.state === 'failed' ||
      job.state === 'cancelled' ||
      job.state === 'retrying'
    ) {
      last.outcome = job.state;
      if (job.finishedAt) last.endedAt = job.finishedAt;
      if (job.error) last.error = `${job.error.name}: ${job.error.message}`;
    }
    if (last.startedAt && last.endedAt && last.durationMs === undefined) {
      last.durationMs = Date.parse(last.endedAt) - Date.parse(last.startedAt);
    }
  }
  return {
    createdAt: job.createdAt,
    runAt: job.runAt,
    attempts: [...spans.values()].sort((a, b) => a.attempt - b.attempt),
  };
}
