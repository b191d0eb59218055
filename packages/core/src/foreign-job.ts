/**
 * Foreign producers: jobs another tool wrote straight into a backend (plain BullMQ `queue.add`, a
 * pg-boss `send`, an SQS `SendMessage`) carry no Switchyard fields. An adapter's `foreignJobs` option
 * names, per queue, how such a raw job becomes a Switchyard job: a task (the raw job's data is its
 * payload) or a function of the raw job. This file holds what every adapter does alike with that
 * mapping: checking the option, calling it and refusing what it returns when that is not a job. Each adapter derives
 * the defaults (attempts, backoff, priority) from its own producer's options.
 */
import { InvalidOptionsError, MalformedJobError } from './errors.js';
import type { BackoffSpec } from './job.js';

/** What a foreign job becomes: the Switchyard fields a mapping function decides. */
export interface ForeignJob {
  /** The task that runs it; its schema validates `payload`. */
  task: string;
  /** The task's payload. */
  payload: unknown;
  /** 0..9, lower first (default: the producer's priority where the backend has one; see the adapter's docs). */
  priority?: number;
  /** Total attempts, `null` for unlimited (default: the producer's retry settings; see the adapter's docs). */
  maxAttempts?: number | null;
  /** Backoff between attempts (default: the producer's, else the task's). */
  backoff?: BackoffSpec;
  /** Per-job timeout in ms (default: the task's). */
  timeoutMs?: number;
  /** String metadata shown with the job. */
  metadata?: Record<string, string>;
}

/**
 * How the foreign jobs of one queue become Switchyard jobs: a task whose payload is the raw job's
 * data (the other fields as given, else the adapter's defaults), or a function of the raw job.
 */
export type ForeignJobMapping<Raw> =
  | {
      task: string;
      priority?: number;
      maxAttempts?: number | null;
      backoff?: BackoffSpec;
      timeoutMs?: number;
    }
  | ((raw: Raw) => ForeignJob);

/** Names the raw job in error messages: `<adapter>: the foreignJobs mapping of queue "q" ... job 7`. */
export interface ForeignJobOrigin {
  adapter: string;
  queue: string;
  /** How the raw job is named, e.g. `job 7` or `message 1f0c…`. */
  name: string;
}

/**
 * The job `mapping` makes of `raw` (`data` is the payload the task form uses). Throws
 * `MalformedJobError` when the mapping throws, returns no `{ task, payload }`, or gives a priority
 * outside 0..9.
 */
export function mapForeignJob<Raw>(
  mapping: ForeignJobMapping<Raw>,
  raw: Raw,
  data: () => unknown,
  origin: ForeignJobOrigin,
): ForeignJob {
  const of = `${origin.adapter}: the foreignJobs mapping of queue "${origin.queue}"`;
  let mapped: ForeignJob;
  if (typeof mapping === 'function') {
    try {
      mapped = mapping(raw);
    } catch (cause) {
      throw new MalformedJobError(`${of} threw on ${origin.name}: ${(cause as Error)?.message ?? cause}`, {
        cause,
      });
    }
    if (
      typeof mapped !== 'object' ||
      mapped === null ||
      typeof mapped.task !== 'string' ||
      mapped.task === ''
    ) {
      throw new MalformedJobError(`${of} returned no { task, payload } for ${origin.name}`);
    }
  } else {
    mapped = { ...mapping, payload: data() };
  }
  const { priority } = mapped;
  if (priority !== undefined && !(Number.isInteger(priority) && priority >= 0 && priority <= 9)) {
    throw new MalformedJobError(`${of} gave ${origin.name} priority ${priority} (0..9)`);
  }
  return mapped;
}

/**
 * Checks an adapter's `foreignJobs` option (queue name → mapping): each mapping is a function or
 * `{ task }` with a valid priority and attempt count. `where` names the adapter and its raw job in the
 * `InvalidOptionsError`, e.g. `{ adapter: 'pgBossAdapter', raw: 'the pg-boss row' }`.
 */
export function checkForeignJobsOption<Raw>(
  option: Record<string, ForeignJobMapping<Raw>>,
  where: { adapter: string; raw: string },
): Record<string, ForeignJobMapping<Raw>> {
  if (typeof option !== 'object' || option === null || Array.isArray(option)) {
    throw new InvalidOptionsError(`${where.adapter}: foreignJobs must be an object of queue name → mapping`);
  }
  for (const [queue, mapping] of Object.entries(option)) {
    const at = `${where.adapter}: foreignJobs["${queue}"]`;
    if (typeof mapping === 'function') continue;
    if (
      typeof mapping !== 'object' ||
      mapping === null ||
      typeof mapping.task !== 'string' ||
      mapping.task === ''
    ) {
      throw new InvalidOptionsError(
        `${at} must be { task: '<task name>', ... } or a function of ${where.raw}`,
      );
    }
    const { priority, maxAttempts } = mapping;
    if (priority !== undefined && !(Number.isInteger(priority) && priority >= 0 && priority <= 9)) {
      throw new InvalidOptionsError(`${at}.priority must be an integer 0..9`);
    }
    if (
      maxAttempts !== undefined &&
      maxAttempts !== null &&
      !(Number.isInteger(maxAttempts) && maxAttempts >= 1)
    ) {
      throw new InvalidOptionsError(`${at}.maxAttempts must be a positive integer or null`);
    }
  }
  return option;
}
