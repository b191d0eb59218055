/**
 * The JSON shapes of the API: core's types with every `Date` as an ISO 8601 string.
 * Types only (no runtime code), shared by the server and the client.
 */
import type {
  BulkProgress,
  CancelOutcome,
  GapEvent,
  HistoryResult,
  JobCounts,
  JobEvent,
  JobRecord,
  ScheduleRecord,
  StatsSummary,
  TaskInfo,
  WorkerInfo,
} from '@switchyard/core';

/** `T` as it looks after `JSON.stringify`: dates become ISO strings. */
export type Jsonified<T> = T extends Date
  ? string
  : T extends (infer U)[]
    ? Jsonified<U>[]
    : T extends object
      ? { [K in keyof T]: Jsonified<T[K]> }
      : T;

/** A job. `payload` and `result` may be redacted (`"[redacted]"` in place of hidden fields). */
export type JobJson = Jsonified<JobRecord>;
/** One page of `GET /jobs`. */
export interface JobPageJson {
  jobs: JobJson[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}
/** `POST /jobs/{id}/cancel`: `cancelled` (it was waiting) or `requested` (it is running; its worker aborts it). */
export interface CancelJson {
  id: string;
  outcome: Extract<CancelOutcome, 'cancelled' | 'requested'>;
}
/** `POST /jobs/bulk`, `POST /jobs/clean`. */
export type BulkProgressJson = BulkProgress;
/** `GET /stats`. */
export type StatsSummaryJson = Jsonified<StatsSummary>;
/** `GET /stats/history`. */
export type HistoryJson = Jsonified<HistoryResult>;
/** One worker of `GET /workers`. */
export type WorkerJson = Jsonified<WorkerInfo>;
/** One task of `GET /tasks`. */
export type TaskJson = TaskInfo;
/** One queue of `GET /queues`. */
export interface QueueJson {
  name: string;
  paused: boolean;
  counts: JobCounts;
}
/** One schedule of `GET /schedules`. */
export type ScheduleJson = Jsonified<ScheduleRecord>;
/** A job event of `GET /events` (the SSE `data` of events named after `type`). */
export type JobEventJson = Jsonified<JobEvent>;
/** The SSE `gap` event: some events may have been missed; re-read what you show. */
export type GapEventJson = Jsonified<GapEvent>;
/** What `GET /events` delivers. */
export type ClusterEventJson = JobEventJson | GapEventJson;
/** `GET /me`: the caller. */
export interface PrincipalJson {
  name: string;
  role: 'viewer' | 'operator' | 'admin';
}
/** `GET /health`. */
export interface HealthJson {
  status: 'ok' | 'unavailable';
}
