/**
 * Foreign producers: jobs added to a queue by plain BullMQ (`queue.add(name, data)`, bull-board's
 * "add job", another service) carry no Switchyard envelope. For the queues named in the
 * `foreignJobs` option, a mapping turns such a job into a Switchyard job (task, payload, ...);
 * core then validates the payload with the task's schema like any other job. Without a mapping,
 * or when the mapping fails, the job is malformed: core fails it, and BullMQ keeps its raw data.
 */
import {
  type BackoffSpec,
  type ForeignJobMapping as CoreForeignJobMapping,
  MalformedJobError,
  mapForeignJob,
} from '@switchyard/core';
import { Job, type Queue } from 'bullmq';
import type { EnvelopeFields } from './codec.js';
import { fromBullPriority } from './state-mapping.js';

export type { ForeignJob } from '@switchyard/core';

/**
 * How the jobs of one queue that were not written by Switchyard become Switchyard jobs: a task
 * whose payload is the job's `data` (priority read from BullMQ's, attempts and backoff taken from
 * the producer's options unless given here), or a function of the raw BullMQ job.
 */
export type ForeignJobMapping = CoreForeignJobMapping<Job>;

/** `foreignJobs` option: a mapping per queue name. */
export type ForeignJobsOption = Record<string, ForeignJobMapping>;

/** The record fields of a foreign job, plus its task. */
export type ForeignFields = EnvelopeFields & { task: string };

/** BullMQ's own backoff option, as the producer stored it in the job's options. */
function producerBackoff(backoff: unknown): BackoffSpec | undefined {
  if (typeof backoff !== 'object' || backoff === null) return undefined;
  const { type, delay } = backoff as { type?: unknown; delay?: unknown };
  if (typeof delay !== 'number' || !(delay >= 0)) return undefined;
  // BullMQ's exponential backoff is delay · 2^(attempt − 1), core's with factor 2.
  if (type === 'fixed') return { type: 'fixed', delay, jitter: 'none' };
  if (type === 'exponential') return { type: 'exponential', delay, factor: 2, jitter: 'none' };
  return undefined;
}

/** The producer's attempt budget: BullMQ's `attempts` option, 1 when unset (as BullMQ runs it). */
function producerAttempts(attempts: unknown): number {
  return typeof attempts === 'number' && Number.isInteger(attempts) && attempts >= 1 ? attempts : 1;
}

/**
 * A foreign job's record fields under `mapping` (pure apart from calling the mapping).
 * Throws `MalformedJobError` when the mapping fails (see `mapForeignJob`).
 */
export function foreignFields(mapping: ForeignJobMapping, job: Job): ForeignFields {
  const mapped = mapForeignJob(mapping, job, () => job.data, {
    adapter: 'bullmq',
    queue: job.queueName,
    name: `job ${job.id}`,
  });
  const createdAt = Number.isFinite(job.timestamp) ? job.timestamp : 0;
  const delay = typeof job.opts.delay === 'number' && job.opts.delay > 0 ? job.opts.delay : 0;
  const fields: ForeignFields = {
    task: mapped.task,
    payload: mapped.payload,
    priority: mapped.priority ?? fromBullPriority(job.priority),
    createdAt: new Date(createdAt),
    runAt: new Date(createdAt + delay),
    maxAttempts: mapped.maxAttempts !== undefined ? mapped.maxAttempts : producerAttempts(job.opts.attempts),
    metadata: mapped.metadata ?? {},
  };
  const backoff = mapped.backoff ?? producerBackoff(job.opts.backoff);
  if (backoff !== undefined) fields.backoff = backoff;
  if (mapped.timeoutMs !== undefined) fields.timeoutMs = mapped.timeoutMs;
  return fields;
}

/** The mappings of the adapter's `foreignJobs` option, with a queue handle per mapped queue for reads. */
export class ForeignJobs {
  private readonly handles = new Map<string, Queue>();

  constructor(private readonly mappings: ForeignJobsOption = {}) {}

  /** Names of the queues that accept foreign jobs. */
  get queues(): string[] {
    return Object.keys(this.mappings);
  }

  /** The mapping of `queue`, if it accepts foreign jobs. */
  mappingOf(queue: string): ForeignJobMapping | undefined {
    return Object.hasOwn(this.mappings, queue) ? this.mappings[queue] : undefined;
  }

  /** Keeps the queue handles reads need to build a BullMQ `Job` from a stored hash. */
  remember(queue: string, handle: Queue): void {
    this.handles.set(queue, handle);
  }

  /**
   * Record fields of a stored foreign job, read from its raw hash; undefined when `queue` has no
   * mapping. Throws `MalformedJobError` when the job cannot be read or mapped.
   */
  fromStored(queue: string, id: string, fields: Record<string, string>): ForeignFields | undefined {
    const mapping = this.mappingOf(queue);
    const handle = this.handles.get(queue);
    if (mapping === undefined || handle === undefined) return undefined;
    let job: Job;
    try {
      job = Job.fromJSON(handle, storedJobJson(fields), id);
    } catch (cause) {
      throw new MalformedJobError(`bullmq: job ${id} has data that is not valid JSON`, { cause });
    }
    return foreignFields(mapping, job);
  }
}

/** A stored job hash in the shape `Job.fromJSON` reads (BullMQ's own conversion is internal). */
function storedJobJson(fields: Record<string, string>): Parameters<typeof Job.fromJSON>[1] {
  const int = (text: string | undefined) => (text === undefined ? 0 : Number.parseInt(text, 10) || 0);
  return {
    id: fields.id ?? '',
    name: fields.name ?? '',
    data: fields.data ?? '{}',
    opts: JSON.parse(fields.opts ?? '{}'),
    progress: 0,
    delay: int(fields.delay),
    priority: int(fields.priority),
    timestamp: int(fields.timestamp),
    attemptsStarted: int(fields.ats),
    attemptsMade: int(fields.atm),
    stalledCounter: int(fields.stc),
  } as Parameters<typeof Job.fromJSON>[1];
}
