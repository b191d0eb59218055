/** What the adapter's parts share once it is built: options, store, SQS calls, clock and logger. */
import { type Clock, type Logger, silentLogger, systemClock } from '@switchyard/core';
import type { SqsMessages } from './messages.js';
import type { ResolvedOptions } from './options.js';
import type { QueueDirectory } from './queues.js';
import type { JobRecords } from './records.js';

/** Counts of what the adapter noticed about doorbells (see `SqsQueueAdapter.doorbells`). */
export interface DoorbellCounters {
  /** Doorbells naming a job the store does not have (each also logged at warn). */
  unknownJob: number;
  /** Strict ordering: tickets that found no ready job (their messages were deleted). */
  emptyTickets: number;
  /**
   * Doorbells the sweeps sent for waiting jobs no message stood for (a sender that died before
   * sending, a message lost outside the adapter): tickets on standard queues, named doorbells in FIFO mode.
   */
  restored: number;
  /** Long polls given up because their connection stopped answering. */
  abandonedPolls: number;
}

/** All counters at zero. */
export function newDoorbellCounters(): DoorbellCounters {
  return { unknownJob: 0, emptyTickets: 0, restored: 0, abandonedPolls: 0 };
}

/** Shared state of one adapter instance. */
export interface AdapterRuntime {
  readonly options: ResolvedOptions;
  readonly records: JobRecords;
  readonly messages: SqsMessages;
  readonly directory: QueueDirectory;
  readonly doorbells: DoorbellCounters;
  /** Set by `start()`; the system clock and a silent logger before that. */
  clock: Clock;
  logger: Logger;
  /** How long throughput history is kept (`start()`'s `historyRetentionMs`; 7 days before that). */
  historyRetentionMs: number;
}

/** The defaults used until `start()` hands over the yard's clock, logger and history window. */
export const DEFAULT_CONTEXT = {
  clock: systemClock,
  logger: silentLogger,
  historyRetentionMs: 7 * 86_400_000,
};
