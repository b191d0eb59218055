/**
 * In-memory job-state store for development and single-process use. Not durable:
 * records vanish with the process while their SQS messages stay (they are then
 * deleted as unknown when received). Same semantics as the Redis store.
 */
import type { JobCounts } from '@switchyard/core';
import {
  type ClaimResult,
  emptyCounts,
  type InsertResult,
  isTerminalState,
  type JobIndex,
  type JobStateStore,
  type JobWrite,
  type StoredJob,
  type VersionedWrite,
} from './types.js';

/** Creates an in-memory `JobStateStore` (development only: not shared between processes, not durable). */
export function memoryStore(): JobStateStore {
  return new MemoryJobStateStore();
}

class MemoryJobStateStore implements JobStateStore {
  readonly name = 'memory';
  readonly durable = false;
  private readonly jobs = new Map<string, StoredJob>();
  private readonly uniqueKeys = new Map<string, string>();
  private readonly queues = new Set<string>();
  private readonly paused = new Set<string>();
  private readonly schedules = new Map<string, string>();

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
      this.jobs.set(job.id, { ...job, version: 1 });
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
    // Queue, task and unique key never change after insert; keep the stored ones.
    const next: StoredJob = {
      ...current,
      data: job.data,
      state: job.state,
      version,
      ...(isTerminalState(job.state) ? { finishedAt: job.finishedAt ?? 0 } : { finishedAt: undefined }),
    };
    this.jobs.set(job.id, next);
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
    if (current.uniqueKey !== '') {
      const slot = uniqueSlot(current.task, current.uniqueKey);
      if (this.uniqueKeys.get(slot) === id) this.uniqueKeys.delete(slot);
    }
    return true;
  }

  async listJobIds(index: JobIndex, options: { before?: string; limit: number }): Promise<string[]> {
    const ids: string[] = [];
    for (const job of this.jobs.values()) {
      if (options.before !== undefined && job.id >= options.before) continue;
      if (index.kind === 'state' && job.state !== index.value) continue;
      if (index.kind === 'queue' && job.queue !== index.value) continue;
      if (index.kind === 'task' && job.task !== index.value) continue;
      ids.push(job.id);
    }
    return ids.sort((a, b) => (a < b ? 1 : a > b ? -1 : 0)).slice(0, options.limit);
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

/** The map key of one (task, unique key) pair; length-prefixed so no two pairs collide. */
function uniqueSlot(task: string, uniqueKey: string): string {
  return `${task.length}:${task}:${uniqueKey}`;
}
