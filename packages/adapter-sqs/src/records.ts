/**
 * Reading and writing job records through the store with compare-and-set: every
 * change is read → transform → write-if-unchanged, retried when another process
 * got there first. The transform sees the current record and may decline.
 */
import { AdapterError, MalformedJobError } from '@switchyard/core';
import {
  decodeRecord,
  encodeRecord,
  placeholderRecord,
  type RecordBeside,
  type StoredRecord,
} from './codec.js';
import { describe } from './queues.js';
import {
  type ClaimResult,
  isTerminalState,
  type JobStateStore,
  type JobWrite,
  type StoredJob,
  type VersionedWrite,
} from './store/types.js';

/** A record as loaded: decoded, or a placeholder plus the decoding error when the stored data is corrupt. */
export interface LoadedRecord {
  record: StoredRecord;
  version: number;
  malformed?: MalformedJobError;
}

/** What `mutate` did. */
export type MutateOutcome =
  | { status: 'written'; record: StoredRecord; previous: StoredRecord; version: number }
  | { status: 'declined'; record: StoredRecord }
  | { status: 'missing' };

/** What a write tells the store beside the record: FIFO's mark of a doorbell about to be sent. */
export type WriteMarks = Pick<JobWrite, 'unrungSince'>;

/** A write waiting for the next batched store call. */
interface PendingWrite {
  write: VersionedWrite;
  resolve: (version: number | null) => void;
  reject: (error: unknown) => void;
}

/** Attempts before a contended compare-and-set gives up (each loses only to a concurrent write). */
const MAX_CAS_ROUNDS = 50;

/** Job records on top of a `JobStateStore`. */
export class JobRecords {
  constructor(
    readonly store: JobStateStore,
    private readonly now: () => number,
  ) {}

  /** Loads and decodes one job, or null when it does not exist. */
  async load(id: string): Promise<LoadedRecord | null> {
    const stored = await this.call('read a job', () => this.store.getJob(id));
    return stored ? this.decode(stored) : null;
  }

  /** Loads several jobs, keeping the order (null where missing). */
  async loadMany(ids: string[]): Promise<Array<LoadedRecord | null>> {
    const stored = await this.call('read jobs', () => this.store.getJobs(ids));
    return stored.map((job) => (job ? this.decode(job) : null));
  }

  /** Decodes a stored job; corrupt data yields a placeholder built from the indexed fields. */
  decode(stored: StoredJob): LoadedRecord {
    try {
      return { record: decodeRecord(stored.id, stored.data, stored), version: stored.version };
    } catch (error) {
      const malformed =
        error instanceof MalformedJobError
          ? error
          : new MalformedJobError(`sqs: job ${stored.id} is malformed`, { cause: error });
      return { record: placeholderRecord(stored, new Date(this.now())), version: stored.version, malformed };
    }
  }

  /**
   * Writes `record` only if the stored version is still `version`; the new version, or null.
   * Writes made in the same turn of the event loop go to the store together (one call when the
   * store has `updateJobs`): settlements of a batch of jobs cost one round trip, not one each.
   * `marks` go to the store with the write (see `WriteMarks`).
   */
  write(version: number, record: StoredRecord, marks: WriteMarks = {}): Promise<number | null> {
    const { store } = this;
    const job = { ...toWrite(record), ...marks };
    if (!store.updateJobs) return this.call('update a job', () => store.updateJob(version, job));
    return new Promise<number | null>((resolve, reject) => {
      this.pendingWrites.push({ write: { expectedVersion: version, job }, resolve, reject });
      this.flushScheduled ??= setImmediate(() => this.flushWrites());
    });
  }

  private pendingWrites: PendingWrite[] = [];
  private flushScheduled: ReturnType<typeof setImmediate> | null = null;

  private flushWrites(): void {
    const batch = this.pendingWrites;
    this.pendingWrites = [];
    this.flushScheduled = null;
    const { store } = this;
    const writes = batch.map((pending) => pending.write);
    const send = store.updateJobs
      ? store.updateJobs.bind(store)
      : (all: VersionedWrite[]) =>
          Promise.all(all.map((one) => store.updateJob(one.expectedVersion, one.job)));
    this.call('update jobs', () => send(writes)).then(
      (versions) => {
        for (const [index, pending] of batch.entries()) pending.resolve(versions[index] ?? null);
      },
      (error: unknown) => {
        for (const pending of batch) pending.reject(error);
      },
    );
  }

  /**
   * Compare-and-set writes of several records in one store call, each refused ('paused') when
   * its queue is paused at that moment: what a worker uses to claim a received batch.
   */
  claimMany(writes: Array<{ version: number; record: StoredRecord }>): Promise<ClaimResult[]> {
    if (writes.length === 0) return Promise.resolve([]);
    const { store } = this;
    const versioned = writes.map(({ version, record }) => ({
      expectedVersion: version,
      job: toWrite(record),
    }));
    const claimJobs = store.claimJobs?.bind(store);
    if (claimJobs) return this.call('claim jobs', () => claimJobs(versioned));
    // A store without the fast path: the pause check and the writes are separate calls.
    return this.call('claim jobs', async () => {
      const paused = await store.pausedQueues();
      return Promise.all(
        versioned.map(({ expectedVersion, job }) =>
          paused.has(job.queue) ? ('paused' as const) : store.updateJob(expectedVersion, job),
        ),
      );
    });
  }

  /**
   * Read → `change` → compare-and-set, repeated on contention. `change` returns the new
   * record, or null to leave the job as it is (its answer is then `declined`).
   */
  async mutate(
    id: string,
    change: (current: LoadedRecord) => StoredRecord | null,
    marks: WriteMarks = {},
  ): Promise<MutateOutcome> {
    for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
      const current = await this.load(id);
      if (!current) return { status: 'missing' };
      const next = change(current);
      if (!next) return { status: 'declined', record: current.record };
      const version = await this.write(current.version, next, marks);
      if (version !== null) return { status: 'written', record: next, previous: current.record, version };
    }
    throw new AdapterError('sqs', `job ${id} kept changing under ${MAX_CAS_ROUNDS} compare-and-set attempts`);
  }

  /** Runs a store call, wrapping failures as `AdapterError('sqs', ...)`. */
  async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (cause) {
      if (AdapterError.is(cause) && cause.code === 'ADAPTER_ERROR') throw cause;
      throw new AdapterError(
        'sqs',
        `job-state store (${this.store.name}) failed to ${what}: ${describe(cause)}`,
        { cause },
      );
    }
  }
}

/** What the store keeps beside a record (its state and lifecycle fields). */
export function besideOf(record: StoredRecord): RecordBeside & { attempt: number } {
  return {
    state: record.state,
    attempt: record.attempt,
    ...(record.startedAt ? { startedAt: record.startedAt.getTime() } : {}),
    ...(record.leaseToken ? { leaseToken: record.leaseToken } : {}),
    ...(record.movedOff ? { movedOff: record.movedOff } : {}),
  };
}

/** The store write of a record. */
export function toWrite(record: StoredRecord): JobWrite {
  const terminal = isTerminalState(record.state);
  return {
    ...besideOf(record),
    id: record.id,
    data: encodeRecord(record),
    queue: record.queue,
    task: record.task,
    uniqueKey: record.uniqueKey ?? '',
    runAt: record.runAt.getTime(),
    createdAt: record.createdAt.getTime(),
    priority: record.priority,
    // A terminal record always has finishedAt (the transitions set it from the injected clock);
    // one decoded without it keeps its creation time rather than the wall clock's.
    ...(terminal ? { finishedAt: (record.finishedAt ?? record.createdAt).getTime() } : {}),
  };
}
