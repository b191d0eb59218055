/** What the adapter's parts share once it is built: options, store, SQS calls, clock and logger. */
import { type Clock, type Logger, silentLogger, systemClock } from '@switchyard/core';
import type { SqsMessages } from './messages.js';
import type { ResolvedOptions } from './options.js';
import type { QueueDirectory } from './queues.js';
import type { JobRecords } from './records.js';

/** Shared state of one adapter instance. */
export interface AdapterRuntime {
  readonly options: ResolvedOptions;
  readonly records: JobRecords;
  readonly messages: SqsMessages;
  readonly directory: QueueDirectory;
  /** Set by `start()`; the system clock and a silent logger before that. */
  clock: Clock;
  logger: Logger;
}

/** The defaults used until `start()` hands over the yard's clock and logger. */
export const DEFAULT_CONTEXT = { clock: systemClock, logger: silentLogger };
