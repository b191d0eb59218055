/**
 * The JSON shapes of `@switchyard/http` (from its client's types; dates are ISO strings),
 * plus the few constants and shapes the dashboard adds.
 */
import type {
  BulkProgressJson,
  ClusterEventJson,
  GapEventJson,
  HistoryJson,
  JobEventJson,
  JobJson,
  JobPageJson,
  ScheduleJson,
  StatsSummaryJson,
  TaskJson,
  WorkerJson,
} from '@switchyard/http/client';

/** Every job state, in lifecycle order. */
export const JOB_STATES = [
  'scheduled',
  'pending',
  'running',
  'retrying',
  'completed',
  'failed',
  'cancelled',
] as const;
/** A job state. */
export type JobState = (typeof JOB_STATES)[number];
/** States a job stays in until someone retries it. */
export const TERMINAL_STATES: readonly JobState[] = ['completed', 'failed', 'cancelled'];

/** A role of the API's principal. */
export type Role = 'viewer' | 'operator' | 'admin';

/** Who the API says the caller is (`GET /me`). */
export interface Principal {
  name: string;
  role: Role;
  /** Set when the API could not say (no `GET /me`): the role is assumed, the API still enforces its own. */
  unverified?: boolean;
}

/** One job. */
export type Job = JobJson;
/** One page of `GET /jobs`. */
export type JobPage = JobPageJson;
/** Counts per state. */
export type JobCounts = Record<JobState, number>;
/** `GET /stats`. */
export type StatsSummary = StatsSummaryJson;
/** One queue of `GET /stats`. */
export type QueueSummary = StatsSummaryJson['queues'][number];
/** `GET /stats/history`. */
export type History = HistoryJson;
/** One live worker. */
export type Worker = WorkerJson;
/** One schedule. */
export type Schedule = ScheduleJson;
/** One task of the catalogue. */
export type TaskInfo = TaskJson;
/** A job event of `GET /events`. */
export type JobEvent = JobEventJson;
/** Some events may have been missed: re-read what is shown. */
export type GapEvent = GapEventJson;
/** What the event stream delivers. */
export type ClusterEvent = ClusterEventJson;
/** What a bulk action did. */
export type BulkProgress = BulkProgressJson;
