/**
 * In-memory job-state store for development and single-process use. Not durable:
 * records vanish with the process while their SQS messages stay (they are then
 * deleted as unknown when received). Same semantics as the Redis store; its event bus,
 * workers registry and history are in-process too.
 */
import {
  type HistoryCell,
  InvalidOptionsError,
  inProcessThrottleCounters,
  type JobCounts,
  type JobState,
} from '@switchyard/core';
import { MemoryDelivery, type MemoryJob } from './memory-delivery.js';
import { MemoryEventBus } from './memory-events.js';
import { MemoryHistory } from './memory-history.js';
import type { HistoryRange, JobScan, JobScanResult, StoredQueueStats } from './operations-types.js';
import {
  type ClaimResult,
  emptyCounts,
  type HeadClaim,
  type InsertResult,
  isTerminalState,
  type JobStateStore,
  type JobWrite,
  type StoredJob,
  type TicketOutcome,
  type VersionedWrite,
} from './types.js';

/** Options of `memoryStore`. */
export interface MemoryStoreOptions {
  /** Job-event messages kept for subscribers that resume from a position. Default 1000, 1..100000. */
  eventBufferSize?: number;
}

/** Creates an in-memory `JobStateStore` (development only: not shared between processes, not durable). */
export function memoryStore(options: MemoryStoreOptions = {}): JobStateStore {
  const size = options.eventBufferSize ?? 1_000;
  if (!Number.isInteger(size) || size < 1 || size > 100_000) {
    throw new InvalidOptionsError(
      `sqs: memoryStore eventBufferSize must be an integer 1..100000, got ${JSON.stringify(options.eventBufferSize)}`,
    );
  }
  return new MemoryJobStateStore(size);
}

class MemoryJobStateStore implements JobStateStore {
  readonly name = 'memory';
  readonly durable = false;
  readonly throttle = inProcessThrottleCounters();
  readonly events: MemoryEventBus;
  private readonly jobs = new Map<string, MemoryJob>();
  /** Every id, ascending: what searches walk (newest first from the end). */
  private readonly ids: string[] = [];
  private readonly workers = new Map<string, { data: string; expiresAtMs: number }>();
  private readonly history = new MemoryHistory();
  private readonly uniqueKeys = new Map<string, string>();
  private readonly queues = new Set<string>();
  private readonly paused = new Set<string>();
  private readonly schedules = new Map<string, string>();
  /** Ready indexes, message bindings and unrung marks (see `memory-delivery.ts`). */
  private readonly delivery = new MemoryDelivery(this.jobs, this.paused);

  constructor(eventBufferSize: number) {
    this.events = new MemoryEventBus(eventBufferSize);
  }

  async connect(): Promise<void> {}
  async close(): Promise<void> {}

  async insertJobs(jobs: JobWrite[]): Promise<InsertResult[]> {
    return jobs.map((job) => {
      if (this.jobs.has(job.id)) return { created: false, existingJobId: job.id };
      if (job.uniqueKey !== '') {
        const slot = uniqueSlot(job.task, job.uniqueKey);
        const holder = this.uniqueKeys.get(slot);
        if (holder !== undefined) return { created: false, existingJobId: holder };
        this.uniqueKeys.set(slot, job.id);
      }
      const { unrungSince, ...fields } = job;
      const stored: MemoryJob = { ...fields, version: 1, heldBy: '' };
      this.jobs.set(job.id, stored);
      this.delivery.inserted(stored, unrungSince);
      this.ids.splice(lowerBound(this.ids, job.id), 0, job.id);
      this.queues.add(job.queue);
      return { created: true };
    });
  }

  async getJob(id: string): Promise<StoredJob | null> {
    const job = this.jobs.get(id);
    return job ? { ...job } : null;
  }

  async getJobs(ids: string[]): Promise<Array<StoredJob | null>> {
    return Promise.all(ids.map((id) => this.getJob(id)));
  }

  async updateJob(expectedVersion: number, job: JobWrite): Promise<number | null> {
    const current = this.jobs.get(job.id);
    if (!current || current.version !== expectedVersion) return null;
    const version = current.version + 1;
    // A running job stays bound to the message it runs under; any other state frees it.
    const heldBy = job.state === 'running' ? current.heldBy : '';
    // Queue, task and unique key never change after insert; keep the stored ones.
    const next: MemoryJob = {
      ...current,
      data: job.data,
      state: job.state,
      runAt: job.runAt,
      priority: job.priority,
      attempt: job.attempt,
      startedAt: job.startedAt,
      leaseToken: job.leaseToken,
      movedOff: job.movedOff,
      heldBy,
      version,
      ...(isTerminalState(job.state) ? { finishedAt: job.finishedAt ?? 0 } : { finishedAt: undefined }),
    };
    this.jobs.set(job.id, next);
    this.delivery.updated(current, next, job.unrungSince);
    if (current.uniqueKey !== '') {
      const slot = uniqueSlot(current.task, current.uniqueKey);
      if (isTerminalState(job.state)) {
        if (this.uniqueKeys.get(slot) === job.id) this.uniqueKeys.delete(slot);
      } else if (!this.uniqueKeys.has(slot)) {
        this.uniqueKeys.set(slot, job.id);
      }
    }
    return version;
  }

  async claimHeads(claim: HeadClaim): Promise<TicketOutcome[]> {
    return this.delivery.claimHeads(claim);
  }

  async missingTickets(queue: string, nowMs: number, graceMs: number, cap: number): Promise<number> {
    return this.delivery.missingTickets(queue, nowMs, graceMs, cap);
  }

  async markRung(ids: string[]): Promise<void> {
    this.delivery.markRung(ids);
  }

  async unrungBefore(cutoffMs: number, limit: number): Promise<string[]> {
    return this.delivery.unrungBefore(cutoffMs, limit);
  }

  async claimJobs(writes: VersionedWrite[]): Promise<ClaimResult[]> {
    const results: ClaimResult[] = [];
    for (const { expectedVersion, job } of writes) {
      results.push(this.paused.has(job.queue) ? 'paused' : await this.updateJob(expectedVersion, job));
    }
    return results;
  }

  async updateJobs(writes: VersionedWrite[]): Promise<Array<number | null>> {
    const results: Array<number | null> = [];
    for (const { expectedVersion, job } of writes) results.push(await this.updateJob(expectedVersion, job));
    return results;
  }

  async deleteJob(id: string): Promise<boolean> {
    const current = this.jobs.get(id);
    if (!current) return false;
    this.jobs.delete(id);
    this.delivery.deleted(current);
    const at = lowerBound(this.ids, id);
    if (this.ids[at] === id) this.ids.splice(at, 1);
    if (current.uniqueKey !== '') {
      const slot = uniqueSlot(current.task, current.uniqueKey);
      if (this.uniqueKeys.get(slot) === id) this.uniqueKeys.delete(slot);
    }
    return true;
  }

  async scanJobs(scan: JobScan): Promise<JobScanResult> {
    let index = (scan.before === undefined ? this.ids.length : lowerBound(this.ids, scan.before)) - 1;
    const jobs: StoredJob[] = [];
    let examined = 0;
    let last: string | undefined;
    while (index >= 0 && examined < scan.examine && jobs.length < scan.want) {
      const id = this.ids[index--]!;
      examined++;
      last = id;
      const job = this.jobs.get(id)!;
      if (matchesIndexedFields(job, scan)) jobs.push({ ...job });
    }
    return { jobs, examined, ...(last === undefined ? {} : { last }), exhausted: index < 0 };
  }

  async deleteJobsIn(ids: string[], states: JobState[]): Promise<string[]> {
    const deleted: string[] = [];
    for (const id of ids) {
      const job = this.jobs.get(id);
      if (job && states.includes(job.state) && (await this.deleteJob(id))) deleted.push(id);
    }
    return deleted;
  }

  async queueStats(): Promise<StoredQueueStats[]> {
    const stats = new Map<string, StoredQueueStats>();
    for (const queue of [...this.queues].sort()) {
      stats.set(queue, {
        queue,
        counts: emptyCounts(),
        oldestPendingRunAt: null,
        paused: this.paused.has(queue),
      });
    }
    for (const job of this.jobs.values()) {
      const entry = stats.get(job.queue);
      if (!entry) continue;
      entry.counts[job.state]++;
      if (
        job.state === 'pending' &&
        (entry.oldestPendingRunAt === null || job.runAt < entry.oldestPendingRunAt)
      )
        entry.oldestPendingRunAt = job.runAt;
    }
    return [...stats.values()];
  }

  async putWorker(id: string, data: string, expiresAtMs: number): Promise<void> {
    this.workers.set(id, { data, expiresAtMs });
  }

  async removeWorker(id: string): Promise<void> {
    this.workers.delete(id);
  }

  async listWorkers(nowMs: number): Promise<string[]> {
    const live: string[] = [];
    for (const [id, entry] of this.workers) {
      if (entry.expiresAtMs > nowMs) live.push(entry.data);
      else this.workers.delete(id);
    }
    return live;
  }

  async recordHistory(cells: HistoryCell[]): Promise<void> {
    this.history.record(cells);
  }

  async readHistory(range: HistoryRange): Promise<HistoryCell[]> {
    return this.history.read(range);
  }

  async pruneHistory(cutoffMs: number): Promise<number> {
    return this.history.prune(cutoffMs);
  }

  async countJobs(queue?: string): Promise<JobCounts> {
    const counts = emptyCounts();
    for (const job of this.jobs.values()) {
      if (queue === undefined || job.queue === queue) counts[job.state]++;
    }
    return counts;
  }

  async finishedBefore(cutoffMs: number, limit: number): Promise<string[]> {
    return [...this.jobs.values()]
      .filter(
        (job) => job.finishedAt !== undefined && isTerminalState(job.state) && job.finishedAt <= cutoffMs,
      )
      .sort((a, b) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0))
      .slice(0, limit)
      .map((job) => job.id);
  }

  async addQueues(queues: string[]): Promise<void> {
    for (const queue of queues) this.queues.add(queue);
  }

  async listQueues(): Promise<string[]> {
    return [...this.queues].sort();
  }

  async setQueuePaused(queue: string, paused: boolean): Promise<void> {
    this.queues.add(queue);
    if (paused) this.paused.add(queue);
    else this.paused.delete(queue);
  }

  async pausedQueues(): Promise<Set<string>> {
    return new Set(this.paused);
  }

  async putSchedule(key: string, data: string): Promise<void> {
    this.schedules.set(key, data);
  }

  async getSchedule(key: string): Promise<string | null> {
    return this.schedules.get(key) ?? null;
  }

  async listSchedules(): Promise<string[]> {
    return [...this.schedules.values()];
  }

  async removeSchedule(key: string): Promise<boolean> {
    return this.schedules.delete(key);
  }

  async swapSchedule(key: string, expected: string, next: string): Promise<boolean> {
    if (this.schedules.get(key) !== expected) return false;
    this.schedules.set(key, next);
    return true;
  }
}

/** Index of the first id in `ids` (ascending) that is not smaller than `id`. */
function lowerBound(ids: string[], id: string): number {
  let low = 0;
  let high = ids.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (ids[middle]! < id) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The store's part of a search: indexed fields (states, queue, task, finishedBefore) and substrings. */
function matchesIndexedFields(job: MemoryJob, scan: JobScan): boolean {
  if (scan.states !== undefined && !scan.states.includes(job.state)) return false;
  if (scan.queue !== undefined && job.queue !== scan.queue) return false;
  if (scan.task !== undefined && job.task !== scan.task) return false;
  if (scan.createdAfter !== undefined && job.createdAt < scan.createdAfter) return false;
  if (scan.createdBefore !== undefined && job.createdAt >= scan.createdBefore) return false;
  if (scan.contains?.some((needle) => !job.data.includes(needle))) return false;
  if (scan.finishedBefore !== undefined) {
    if (!isTerminalState(job.state) || job.finishedAt === undefined || job.finishedAt >= scan.finishedBefore)
      return false;
  }
  return true;
}

/** The map key of one (task, unique key) pair; length-prefixed so no two pairs collide. */
function uniqueSlot(task: string, uniqueKey: string): string {
  return `${task.length}:${task}:${uniqueKey}`;
}
