/**
 * The task vocabulary of the legacy queue. `as const` objects plus union types
 * instead of TS enums, so Node runs this file without a build step.
 */

/** Kinds of work the application queues. */
export const TaskType = {
  SEND_EMAIL: 'send_email',
  GENERATE_REPORT: 'generate_report',
  RESIZE_IMAGE: 'resize_image',
  SYNC_INVENTORY: 'sync_inventory',
} as const;
export type TaskType = (typeof TaskType)[keyof typeof TaskType];

/** Lifecycle of a task in the legacy queue. */
export const TaskStatus = {
  PENDING: 'pending',
  RUNNING: 'running',
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
} as const;
export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus];

/** Named priorities. Lower numbers run first (a min-heap), 0..9. */
export const TaskPriority = {
  CRITICAL: 0,
  HIGH: 2,
  NORMAL: 5,
  LOW: 7,
  BACKGROUND: 9,
} as const;

/** One queued unit of work. */
export interface Task<Data = unknown> {
  id: string;
  type: string;
  data: Data;
  priority: number;
  status: TaskStatus;
  createdAt: Date;
  startedAt?: Date;
  completedAt?: Date;
  result?: unknown;
  error?: string;
}

/** Counts per status, as `stats()` returns them. */
export interface QueueStats {
  pending: number;
  running: number;
  completed: number;
  failed: number;
  cancelled: number;
  total: number;
}

/** A function that does one type of task. */
export type TaskHandlerFn = (data: any, task: Task) => Promise<unknown> | unknown;
